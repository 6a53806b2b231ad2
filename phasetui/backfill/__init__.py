"""phasetui.backfill"""
