"""phasetui.ops"""
