"""Transports beyond stdio: the hosted Starlette app (`http`), its edge checks (`edge`) and its command glue
(`http_serve`)."""
