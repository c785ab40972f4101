"""Feishu/Lark (飞书). So far its callback security (crypto.py) and event parsing (events.py);
not registered as a platform yet."""
