"""phasetui.audit"""
