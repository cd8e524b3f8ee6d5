"""Authentication and authorization: passwords, tokens, roles and tenancy rules."""
