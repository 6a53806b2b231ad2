"""phasetui.schema"""
