"""Benchmark estate, value side: realistic attribute objects for each generated resource type.

Input: an instance's identity (address, service, indexes) and the ids of what it references.
Output: the attribute dict the AWS/random providers would store (tags, tags_all, policy JSON,
user_data, nested blocks), 1–3 KB each. Ids are derived from a hash of the seed and the address,
so the same arguments always give the same values, whatever the generation order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

SENSITIVE_MARKER = "prbench-secret-"
"""Prefix of every sensitive value the generator writes: tests grep outputs for it."""

COMPUTED = frozenset(
    {
        "arn",
        "id",
        "owner_id",
        "default_route_table_id",
        "default_security_group_id",
        "main_route_table_id",
        "default_network_acl_id",
        "private_ip",
        "private_dns",
        "public_ip",
        "public_dns",
        "primary_network_interface_id",
        "endpoint",
        "address",
        "hosted_zone_id",
        "dns_name",
        "zone_id",
        "unique_id",
        "url",
        "network_interface_id",
        "association_id",
        "resource_id",
        "arn_suffix",
        "create_date",
        "latest_restorable_time",
        "bcrypt_hash",
        "result",
    }
)
"""Attributes known only after apply: unknown in the plan of a create or a replace."""

TEAMS = ("atlas", "borealis", "cobalt", "delta", "ember", "fjord", "granite", "harbor")


@dataclass(frozen=True, slots=True)
class Env:
    """Estate-wide constants derived from the seed."""

    seed: int
    environment: str
    region: str
    account_id: str

    def hexid(self, key: str, length: int = 17) -> str:
        """A stable hex id for `key` (an address plus a purpose)."""
        digest = hashlib.blake2b(f"{self.seed}:{key}".encode(), digest_size=16).hexdigest()
        return digest[:length]

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        """An ARN in the estate's account."""
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id}:{resource}"

    def secret(self, key: str) -> str:
        """A realistic-looking sensitive value carrying SENSITIVE_MARKER."""
        return SENSITIVE_MARKER + self.hexid("secret:" + key, 24)


def make_env(seed: int) -> Env:
    """The constants of the estate for `seed`."""
    digits = str(int(hashlib.sha256(f"account:{seed}".encode()).hexdigest(), 16))[:12]
    return Env(seed=seed, environment="prod", region="eu-west-1", account_id=digits.rjust(12, "1"))


def tags(env: Env, name: str, service: str, team: str) -> dict[str, str]:
    """The tag map every taggable resource carries."""
    return {
        "CostCenter": f"cc-{env.hexid('cc:' + team, 4)}",
        "Environment": env.environment,
        "ManagedBy": "terraform",
        "Name": name,
        "Owner": f"{team}-oncall@example.com",
        "Service": service,
        "Team": team,
    }


def tagged(env: Env, values: dict[str, Any], tag_map: dict[str, str]) -> dict[str, Any]:
    """Add `tags` and `tags_all` (tags plus the provider's default tags)."""
    values["tags"] = tag_map
    values["tags_all"] = {**tag_map, "Stack": f"platform-{env.environment}", "Terraform": "true"}
    return values


def policy_document(statements: list[dict[str, Any]]) -> str:
    """An IAM policy as the provider stores it (compact JSON string)."""
    return json.dumps({"Statement": statements, "Version": "2012-10-17"}, separators=(",", ":"))


def assume_role_policy(principal: str) -> str:
    """A trust policy for an AWS service principal."""
    return policy_document(
        [
            {
                "Action": "sts:AssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": principal},
                "Sid": "AllowServiceAssumeRole",
            }
        ]
    )


def user_data(service: str, log_group: str, region: str) -> str:
    """A cloud-init script (AWS provider >= 5 stores user_data in clear text)."""
    return (
        "#cloud-config\n"
        "package_update: true\n"
        "packages: [amazon-cloudwatch-agent, jq, docker]\n"
        "write_files:\n"
        "  - path: /etc/app/service.env\n"
        "    permissions: '0644'\n"
        "    content: |\n"
        f"      SERVICE_NAME={service}\n"
        f"      AWS_REGION={region}\n"
        f"      LOG_GROUP={log_group}\n"
        "      OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4317\n"
        "runcmd:\n"
        "  - systemctl enable --now docker amazon-cloudwatch-agent\n"
        f"  - docker run -d --restart=always --env-file /etc/app/service.env "
        f"registry.example.com/{service}:stable\n"
    )


def sg_rule(
    port: int, protocol: str, cidrs: list[str], description: str, groups: list[str] | None = None
) -> dict[str, Any]:
    """One ingress/egress entry of an aws_security_group."""
    return {
        "cidr_blocks": cidrs,
        "description": description,
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": protocol,
        "security_groups": groups or [],
        "self": False,
        "to_port": port,
    }
