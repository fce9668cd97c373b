"""Participation drives of government employees (ASN), agency by agency: ``/kampanye/<slug>``.

A regency's or province's staff make a drive (``staff_views``, ``cli``; the changes in
``service``, the agency lists in ``agencies``); an employee whose household has sent its form
confirms once (``confirm``); the figures, with small counts withheld, are in ``figures`` and shown
by ``views`` as a page, a presenter view, a poster, CSV and JSON. See docs/drives.md.
"""
