"""Peer observation routes: observations, notes, shares, policy, focus tags and counts."""
