"""phasetui.runbook"""
