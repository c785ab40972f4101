"""DingTalk (钉钉): callback signatures, robot message parsing and markdown payloads.

A foundation only: not yet registered as a plugin (bot/adapters/registry.py) nor in config.
"""
