"""The status check at ``/cek`` ("has my household been counted?") and its framable version at
``/embed/cek``: ``views`` and ``embed`` serve them, ``service`` answers from the register.
"""
