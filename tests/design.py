"""The platform design (service-deployments.md) written down as test expectations, independently of
the charts' values: what every stack's pods must carry, and what each environment must run."""
from __future__ import annotations

from typing import NamedTuple


def secret(key: str) -> dict:
    """A key of the service's own Secret (<service>-secrets; `SERVICE` until the test names it)."""
    return {"secretKeyRef": {"name": "SERVICE-secrets", "key": key}}


def config(key: str) -> dict:
    return {"configMapKeyRef": {"name": "quikapp-config", "key": key}}


def field(path: str) -> dict:
    return {"fieldRef": {"fieldPath": path}}


def http_probe(path: str, **timings) -> dict:
    return {"path": path, **timings}


STACKS = {
    "spring-boot": {
        "metrics_path": "/actuator/prometheus",
        "liveness": http_probe("/actuator/health/liveness", initialDelaySeconds=60, periodSeconds=10,
                               timeoutSeconds=5, failureThreshold=3),
        "readiness": http_probe("/actuator/health/readiness", initialDelaySeconds=30, periodSeconds=5,
                                timeoutSeconds=3, failureThreshold=3),
        "resources": {"requests": {"memory": "512Mi", "cpu": "500m"}, "limits": {"memory": "1Gi", "cpu": "1000m"}},
        "env": {
            "SPRING_PROFILES_ACTIVE": config("ENVIRONMENT"),
            "DB_HOST": secret("DB_HOST"),
            "DB_PASSWORD": secret("DB_PASSWORD"),
            "JWT_SECRET": secret("JWT_SECRET"),
            "REDIS_URL": secret("REDIS_URL"),
        },
    },
    "nestjs": {
        "metrics_path": "/metrics",
        "liveness": http_probe("/health", initialDelaySeconds=30, periodSeconds=10),
        "readiness": http_probe("/health/ready", initialDelaySeconds=15, periodSeconds=5),
        "resources": {"requests": {"memory": "256Mi", "cpu": "250m"}, "limits": {"memory": "512Mi", "cpu": "500m"}},
        "env": {
            "NODE_ENV": config("ENVIRONMENT"),
            "DATABASE_URL": secret("DATABASE_URL"),
            "REDIS_URL": secret("REDIS_URL"),
            "JWT_SECRET": secret("JWT_SECRET"),
        },
    },
    "elixir": {
        "metrics_path": "/metrics",
        "liveness": http_probe("/health/live", initialDelaySeconds=60, periodSeconds=10, timeoutSeconds=5),
        "readiness": http_probe("/health/ready", initialDelaySeconds=30, periodSeconds=5, timeoutSeconds=3),
        "resources": {"requests": {"memory": "1Gi", "cpu": "1000m"}, "limits": {"memory": "2Gi", "cpu": "2000m"}},
        "env": {
            "PHX_SERVER": {"value": "true"},
            "SECRET_KEY_BASE": secret("PHX_SECRET_KEY_BASE"),
            "DATABASE_URL": secret("DATABASE_URL"),
            "REDIS_URL": secret("REDIS_URL"),
            "KAFKA_BROKERS": config("KAFKA_BROKERS"),
            "RELEASE_DISTRIBUTION": {"value": "name"},
            "RELEASE_COOKIE": secret("ERLANG_COOKIE"),
            "POD_IP": field("status.podIP"),
            "POD_NAME": field("metadata.name"),
            # The design's RELEASE_NODE (the bare pod name) cannot start a long-name node; see README.
            "RELEASE_NODE": {"value": "$(POD_NAME)@$(POD_IP)"},
        },
    },
    "go": {
        "metrics_path": "/metrics",
        "liveness": http_probe("/health", initialDelaySeconds=10, periodSeconds=10),
        "readiness": http_probe("/health/ready", initialDelaySeconds=5, periodSeconds=5),
        "resources": {"requests": {"memory": "128Mi", "cpu": "100m"}, "limits": {"memory": "256Mi", "cpu": "250m"}},
        "env": {
            "ENV": config("ENVIRONMENT"),
            "DB_DSN": secret("MYSQL_DSN"),
            "REDIS_URL": secret("REDIS_URL"),
            "KAFKA_BROKERS": config("KAFKA_BROKERS"),
        },
    },
    "python": {
        "metrics_path": "/metrics",
        "liveness": http_probe("/health", initialDelaySeconds=30, periodSeconds=10),
        "readiness": http_probe("/health/ready", initialDelaySeconds=15, periodSeconds=5),
        "resources": {"requests": {"memory": "256Mi", "cpu": "250m"}, "limits": {"memory": "512Mi", "cpu": "500m"}},
        "env": {
            "ENVIRONMENT": config("ENVIRONMENT"),
            "DATABASE_URL": secret("DATABASE_URL"),
            "REDIS_URL": secret("REDIS_URL"),
            "KAFKA_BROKERS": config("KAFKA_BROKERS"),
        },
    },
}

# ml-service and the other GPU services (the design's ml-service manifest).
GPU = {
    "resources": {"requests": {"memory": "4Gi", "cpu": "2000m", "nvidia.com/gpu": 1},
                  "limits": {"memory": "8Gi", "cpu": "4000m", "nvidia.com/gpu": 1}},
    "env": {
        "ENVIRONMENT": config("ENVIRONMENT"),
        "DATABRICKS_HOST": secret("DATABRICKS_HOST"),
        "DATABRICKS_TOKEN": secret("DATABRICKS_TOKEN"),
        "MODEL_PATH": {"value": "/models"},
    },
    "absent_env": ["DATABASE_URL", "REDIS_URL", "KAFKA_BROKERS"],
}

SERVICE_ENV = {
    "backend-gateway": {
        "AUTH_SERVICE_URL": {"value": "http://auth-service:8081"},
        "USER_SERVICE_URL": {"value": "http://user-service:8083"},
    },
    "elixir-realtime": {
        "MONGO_URL": secret("MONGO_URL"),
        "TURN_SECRET": secret("TURN_SECRET"),
        "APNS_KEY": secret("APNS_KEY"),
        "FCM_SERVER_KEY": secret("FCM_SERVER_KEY"),
    },
}

# The design names floors for dev and live only; qa and the uats run dev's, staging sits between.
DEV_FLOORS = {"auth-service": 2, "backend-gateway": 2, "elixir-realtime": 2}

class Environment(NamedTuple):
    namespace: str
    environment: str  # the ENVIRONMENT the pods see
    log_level: str
    kafka_brokers: str
    pinned: bool  # images pinned to a version tag
    floors: dict[str, int] | None  # replica floors of the three services the design names


ENVIRONMENTS = {
    "local": Environment("quikapp-local", "local", "debug", "kafka-local.quikapp.internal:9092", False, None),
    "dev": Environment("quikapp-dev", "dev", "debug", "kafka-dev.quikapp.internal:9092", False, DEV_FLOORS),
    "qa": Environment("quikapp-qa", "qa", "debug", "kafka-qa.quikapp.internal:9092", False, DEV_FLOORS),
    "uat1": Environment("quikapp-uat1", "uat1", "info", "kafka-uat1.quikapp.internal:9092", False, DEV_FLOORS),
    "uat2": Environment("quikapp-uat2", "uat2", "info", "kafka-uat2.quikapp.internal:9092", False, DEV_FLOORS),
    "uat3": Environment("quikapp-uat3", "uat3", "info", "kafka-uat3.quikapp.internal:9092", False, DEV_FLOORS),
    "staging": Environment("quikapp-staging", "staging", "info",
                           ",".join(f"kafka-staging-{i}.quikapp.internal:9092" for i in (1, 2, 3)), True,
                           {"auth-service": 3, "backend-gateway": 5, "elixir-realtime": 5}),
    "live": Environment("quikapp-prod", "production", "warn",
                        ",".join(f"kafka-prod-{i}.quikapp.internal:9092" for i in (1, 2, 3)), True,
                        {"auth-service": 5, "backend-gateway": 10, "elixir-realtime": 10}),
}

# The design's live PodDisruptionBudgets.
LIVE_PDB_MIN_AVAILABLE = {"auth-service": 2, "backend-gateway": 3, "elixir-realtime": 2}
