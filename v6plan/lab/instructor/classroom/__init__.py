"""The live classroom: trainees' signed results streamed to a small server on the
instructor's machine (``v6lab classroom serve``), stored in SQLite, watched on a dashboard
and exported as a gradebook. The server side imports aiohttp; the trainee side
(:mod:`._client`) only the standard library."""
