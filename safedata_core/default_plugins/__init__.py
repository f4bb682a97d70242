"""Built-in components and hook implementations, registered like any plugin."""
