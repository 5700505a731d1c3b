"""Demo content of Arena: the six tasks as challenges, demo accounts and scored submissions."""
