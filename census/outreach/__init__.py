"""Outreach kit: region pages with live participation, open data, badges, QR codes and flyers,
and the presenter view. ``views`` serves them, ``service`` computes the figures (small counts
withheld), ``charts`` draws the SVG charts and ``qr`` the QR codes.
"""
