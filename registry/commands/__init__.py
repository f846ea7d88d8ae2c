"""The registry's write side, one module per area; `registry.application` composes them."""
