"""HTTP routes, pages and sockets: thin, they only speak to the service."""
