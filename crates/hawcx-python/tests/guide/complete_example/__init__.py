"""The guide's "Complete Example" (``complete_example/app.py``); the runnable copy with a
command line is ``examples/flask-guide/app.py`` at the repository root."""
