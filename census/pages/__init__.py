"""Information pages: the census, its phases and dates, what to prepare, questions, privacy.

``views`` serves them; ``service`` decides what each page says for today's phase.
"""
