"""phasetui.tui"""
