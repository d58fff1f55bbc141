"""Benchmark, load test and synthetic data: tooling around the product, never part of it.

Nothing in the product (``accounts``, ``cases``, ``config``, ``core``, ``exchange``, ``public``,
``sources``) imports this package (a `lint-imports` contract);
it is a Django app only under ``tools.settings``, which the Make targets select:

    DJANGO_SETTINGS_MODULE=tools.settings python manage.py run_benchmark ...

The HTTP load comes from Locust (``tools/locustfile.py``), run headless in its own process by
``tools.driver``; the server under test is the product's own WSGI app under gunicorn
(``tools.server``), with ``config.settings``.
"""
