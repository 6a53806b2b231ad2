"""phasetui.demo"""
