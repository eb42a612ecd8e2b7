"""The dashboard (``ncr serve``): a Shiny for Python app over the library's objects.

:func:`ncrealism.app.dashboard.create_app` builds the app; :mod:`ncrealism.app.data` holds the
library calls behind it and :mod:`ncrealism.app.views` lays their results out. Shiny is an
optional dependency (the ``app`` extra); importing this package does not import it.
"""
