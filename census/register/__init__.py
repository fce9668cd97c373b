"""The household register: the CSV import (``rows`` reads and checks, ``sql`` and ``service``
load it in one transaction, ``cli`` is ``flask census import-register``) and the synthetic demo
register (``synthetic`` and ``names`` draw it, ``demo`` is ``flask census demo-data``).
"""
