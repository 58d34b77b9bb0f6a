from tests.support.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)
from tests.support.redis import redis_server, redis_url  # noqa: F401  (fixtures)
