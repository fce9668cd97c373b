"""Demo mode for meetings: ``/demo`` hands out a practice household that never reaches a figure.
``views`` serves it, ``service`` makes and cleans up the practice households.
"""
