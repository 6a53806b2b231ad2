"""phasetui.sql"""
