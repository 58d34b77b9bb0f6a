"""The server's side of the network below the app: connections counted per client
address, deadlines on reading a request and on a socket's sends (issue 14)."""
