"""Tiny in-tree plugin modules, each exercising one registration path or failure mode."""
