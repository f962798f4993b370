//! Configuration read once from the environment (the guide variable names).
