"""Outreach kit: region pages with live participation, open data, badges, QR codes and flyers,
and the presenter view. ``views`` serves them, ``service`` computes the figures (small counts
withheld), ``figures`` formats them and ``charts`` draws the SVG charts.
"""
