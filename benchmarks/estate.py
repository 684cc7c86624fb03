"""Benchmark estate: every resource instance of a generated plan, grouped by module instance.

Input: a seed and a managed-resource count N. Output: `Estate` — the service list and a
generator of `Group`s (root, `module.network`, then one per `module.service["name"]`, in
address order), each holding its `Instance`s with values, sensitive attributes and the
instance addresses each attribute references. Exactly N managed instances are produced.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from benchmarks.attributes import (
    TEAMS,
    Env,
    assume_role_policy,
    make_env,
    policy_document,
    sg_rule,
    tagged,
    tags,
)
from benchmarks.instance import AZ_COUNT, Instance, Service, Shared, make_instance
from benchmarks.service_values import service_instances

ROOT_MANAGED = 3
NETWORK_MANAGED = 10 + 6 * AZ_COUNT
SERVICE_BASE = 11
"""Managed instances of a service without instances or database (9 own + 2 in module.logs)."""
DB_EXTRA = 3
MINIMUM_RESOURCES = ROOT_MANAGED + NETWORK_MANAGED + SERVICE_BASE
COMPONENTS = (
    "api",
    "worker",
    "gateway",
    "scheduler",
    "ingest",
    "billing",
    "search",
    "auth",
    "catalog",
    "checkout",
    "ledger",
    "notify",
    "orders",
    "reports",
    "profile",
)


@dataclass(slots=True)
class Group:
    """The instances of one module instance (nested module instances included)."""

    module: str
    instances: list[Instance]
    service: Service | None = None


def plan_services(seed: int, resources: int) -> list[Service]:
    """Services whose instances, with root and network, add up to exactly `resources`."""
    if resources < MINIMUM_RESOURCES:
        raise ValueError(f"--resources must be at least {MINIMUM_RESOURCES}")
    rng = random.Random(f"services:{seed}")
    remaining = resources - ROOT_MANAGED - NETWORK_MANAGED
    services: list[Service] = []
    while remaining:
        name = f"{rng.choice(COMPONENTS)}-{len(services):05d}"
        team = rng.choice(TEAMS)
        count = rng.randint(2, 6)
        database = rng.random() < 0.35
        size = SERVICE_BASE + count + (DB_EXTRA if database else 0)
        if remaining - size < SERVICE_BASE:
            services.append(Service(name, team, remaining - SERVICE_BASE, False))
            break
        services.append(Service(name, team, count, database))
        remaining -= size
    return sorted(services, key=lambda s: s.name)


@dataclass(slots=True)
class Estate:
    """The whole estate for one seed and size."""

    env: Env
    services: list[Service]

    def groups(self) -> Iterator[Group]:
        """Root, network, then every service group, each sorted by address."""
        shared = Shared()
        network = network_group(self.env, shared)
        yield root_group(self.env, shared)
        yield network
        for service in self.services:
            yield service_group(self.env, service, shared)


def build_estate(seed: int, resources: int) -> Estate:
    """The estate of `resources` managed instances for `seed`."""
    return Estate(env=make_env(seed), services=plan_services(seed, resources))


def _sorted(instances: list[Instance]) -> list[Instance]:
    return sorted(instances, key=lambda i: i.address)


def network_group(env: Env, shared: Shared) -> Group:
    """`module.network`: VPC, subnets, NAT gateways, route tables, flow logs."""
    mod = "module.network"
    team = "platform"
    out: list[Instance] = []

    def add(inst: Instance) -> Instance:
        out.append(inst)
        shared.ids[inst.address] = inst.values.get("id", "")
        return inst

    vpc_id = "vpc-0" + env.hexid(mod + "vpc")
    vpc = add(
        make_instance(
            mod,
            "aws_vpc",
            "this",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("ec2", f"vpc/{vpc_id}"),
                    "assign_generated_ipv6_cidr_block": False,
                    "cidr_block": "10.40.0.0/16",
                    "default_network_acl_id": "acl-0" + env.hexid(vpc_id + "a"),
                    "default_route_table_id": "rtb-0" + env.hexid(vpc_id + "r"),
                    "default_security_group_id": "sg-0" + env.hexid(vpc_id + "s"),
                    "dhcp_options_id": "dopt-0" + env.hexid(vpc_id + "d"),
                    "enable_dns_hostnames": True,
                    "enable_dns_support": True,
                    "enable_network_address_usage_metrics": False,
                    "id": vpc_id,
                    "instance_tenancy": "default",
                    "ipv4_ipam_pool_id": None,
                    "ipv4_netmask_length": None,
                    "ipv6_association_id": "",
                    "ipv6_cidr_block": "",
                    "ipv6_cidr_block_network_border_group": "",
                    "ipv6_ipam_pool_id": "",
                    "ipv6_netmask_length": 0,
                    "main_route_table_id": "rtb-0" + env.hexid(vpc_id + "r"),
                    "owner_id": env.account_id,
                },
                tags(env, "prod-vpc", "network", team),
            ),
            schema_version=1,
        )
    )
    log_group = add(
        make_instance(
            mod,
            "aws_cloudwatch_log_group",
            "flow",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("logs", "log-group:/aws/vpc/flow-logs"),
                    "id": "/aws/vpc/flow-logs",
                    "kms_key_id": "",
                    "log_group_class": "STANDARD",
                    "name": "/aws/vpc/flow-logs",
                    "name_prefix": "",
                    "retention_in_days": 90,
                    "skip_destroy": False,
                },
                tags(env, "flow-logs", "network", team),
            ),
        )
    )
    role = add(
        make_instance(
            mod,
            "aws_iam_role",
            "flow",
            None,
            {
                "arn": env.arn("iam", "role/prod-vpc-flow-logs", region=False),
                "assume_role_policy": assume_role_policy("vpc-flow-logs.amazonaws.com"),
                "create_date": "2024-03-11T09:12:44Z",
                "description": "",
                "force_detach_policies": False,
                "id": "prod-vpc-flow-logs",
                "inline_policy": [],
                "managed_policy_arns": [],
                "max_session_duration": 3600,
                "name": "prod-vpc-flow-logs",
                "name_prefix": "",
                "path": "/",
                "permissions_boundary": "",
                "tags": {},
                "tags_all": {},
                "unique_id": "AROA" + env.hexid("flowrole", 17).upper(),
            },
        )
    )
    igw_id = "igw-0" + env.hexid(mod + "igw")
    igw = add(
        make_instance(
            mod,
            "aws_internet_gateway",
            "this",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("ec2", f"internet-gateway/{igw_id}"),
                    "id": igw_id,
                    "owner_id": env.account_id,
                    "vpc_id": vpc_id,
                },
                tags(env, "prod-igw", "network", team),
            ),
            refs={"vpc_id": (vpc.address,)},
        )
    )
    add(
        make_instance(
            mod,
            "aws_flow_log",
            "this",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("ec2", "vpc-flow-log/fl-0" + env.hexid("fl")),
                    "deliver_cross_account_role": "",
                    "destination_options": [],
                    "eni_id": None,
                    "iam_role_arn": role.values["arn"],
                    "id": "fl-0" + env.hexid("fl"),
                    "log_destination": log_group.values["arn"],
                    "log_destination_type": "cloud-watch-logs",
                    "log_format": "${version} ${account-id} ${interface-id} ${srcaddr} "
                    "${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} "
                    "${start} ${end} ${action} ${log-status}",
                    "log_group_name": "",
                    "max_aggregation_interval": 600,
                    "subnet_id": None,
                    "traffic_type": "ALL",
                    "transit_gateway_attachment_id": None,
                    "transit_gateway_id": None,
                    "vpc_id": vpc_id,
                },
                tags(env, "prod-flow-log", "network", team),
            ),
            refs={
                "vpc_id": (vpc.address,),
                "iam_role_arn": (role.address,),
                "log_destination": (log_group.address,),
            },
        )
    )
    sg_id = "sg-0" + env.hexid(mod + "sglb")
    add(
        make_instance(
            mod,
            "aws_security_group",
            "lb",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("ec2", f"security-group/{sg_id}"),
                    "description": "Public load balancer",
                    "egress": [sg_rule(0, "-1", ["0.0.0.0/0"], "all egress")],
                    "id": sg_id,
                    "ingress": [
                        sg_rule(443, "tcp", ["0.0.0.0/0"], "https from anywhere"),
                        sg_rule(80, "tcp", ["0.0.0.0/0"], "http redirect"),
                    ],
                    "name": "prod-lb",
                    "name_prefix": "",
                    "owner_id": env.account_id,
                    "revoke_rules_on_delete": False,
                    "timeouts": None,
                    "vpc_id": vpc_id,
                },
                tags(env, "prod-lb", "network", team),
            ),
            refs={"vpc_id": (vpc.address,)},
            schema_version=1,
        )
    )
    rt_public_id = "rtb-0" + env.hexid(mod + "rtpub")
    rt_public = add(
        make_instance(
            mod,
            "aws_route_table",
            "public",
            None,
            tagged(
                env,
                {
                    "arn": env.arn("ec2", f"route-table/{rt_public_id}"),
                    "id": rt_public_id,
                    "owner_id": env.account_id,
                    "propagating_vgws": [],
                    "route": [_route("0.0.0.0/0", gateway_id=igw_id)],
                    "timeouts": None,
                    "vpc_id": vpc_id,
                },
                tags(env, "prod-public", "network", team),
            ),
            refs={"vpc_id": (vpc.address,), "route": (igw.address,)},
        )
    )
    for kind in ("private", "public"):
        for i in range(AZ_COUNT):
            subnet_id = "subnet-0" + env.hexid(f"{mod}{kind}{i}")
            az = f"{env.region}{'abc'[i]}"
            add(
                make_instance(
                    mod,
                    "aws_subnet",
                    kind,
                    i,
                    tagged(
                        env,
                        {
                            "arn": env.arn("ec2", f"subnet/{subnet_id}"),
                            "assign_ipv6_address_on_creation": False,
                            "availability_zone": az,
                            "availability_zone_id": f"euw1-az{i + 1}",
                            "cidr_block": f"10.40.{(kind == 'public') * 128 + i * 16}.0/20",
                            "customer_owned_ipv4_pool": "",
                            "enable_dns64": False,
                            "enable_resource_name_dns_a_record_on_launch": False,
                            "enable_resource_name_dns_aaaa_record_on_launch": False,
                            "id": subnet_id,
                            "ipv6_cidr_block": "",
                            "ipv6_cidr_block_association_id": "",
                            "ipv6_native": False,
                            "map_customer_owned_ip_on_launch": False,
                            "map_public_ip_on_launch": kind == "public",
                            "outpost_arn": "",
                            "owner_id": env.account_id,
                            "private_dns_hostname_type_on_launch": "ip-name",
                            "timeouts": None,
                            "vpc_id": vpc_id,
                        },
                        tags(env, f"prod-{kind}-{az}", "network", team),
                    ),
                    refs={"vpc_id": (vpc.address,)},
                    schema_version=1,
                )
            )
    for i in range(AZ_COUNT):
        alloc = "eipalloc-0" + env.hexid(f"{mod}eip{i}")
        eip = add(
            make_instance(
                mod,
                "aws_eip",
                "nat",
                i,
                tagged(
                    env,
                    {
                        "address": None,
                        "allocation_id": alloc,
                        "arn": env.arn("ec2", f"elastic-ip/{alloc}"),
                        "associate_with_private_ip": None,
                        "association_id": "eipassoc-0" + env.hexid(alloc),
                        "carrier_ip": "",
                        "customer_owned_ip": "",
                        "customer_owned_ipv4_pool": "",
                        "domain": "vpc",
                        "id": alloc,
                        "instance": "",
                        "network_border_group": env.region,
                        "network_interface": "eni-0" + env.hexid(alloc + "eni"),
                        "private_dns": "",
                        "private_ip": f"10.40.{128 + i * 16}.{10 + i}",
                        "public_dns": "",
                        "public_ip": f"52.{18 + i}.{i * 7}.{40 + i}",
                        "public_ipv4_pool": "amazon",
                        "timeouts": None,
                        "vpc": True,
                    },
                    tags(env, f"prod-nat-{i}", "network", team),
                ),
                refs={},
            )
        )
        nat_id = "nat-0" + env.hexid(f"{mod}nat{i}")
        public = f"{mod}.aws_subnet.public[{i}]"
        nat = add(
            make_instance(
                mod,
                "aws_nat_gateway",
                "this",
                i,
                tagged(
                    env,
                    {
                        "allocation_id": alloc,
                        "association_id": eip.values["association_id"],
                        "connectivity_type": "public",
                        "id": nat_id,
                        "network_interface_id": eip.values["network_interface"],
                        "private_ip": eip.values["private_ip"],
                        "public_ip": eip.values["public_ip"],
                        "secondary_allocation_ids": [],
                        "secondary_private_ip_address_count": 0,
                        "secondary_private_ip_addresses": [],
                        "subnet_id": shared.ids[public],
                        "timeouts": None,
                    },
                    tags(env, f"prod-nat-{i}", "network", team),
                ),
                refs={"allocation_id": (eip.address,), "subnet_id": (public,)},
            )
        )
        rt_id = "rtb-0" + env.hexid(f"{mod}rtpriv{i}")
        rt = add(
            make_instance(
                mod,
                "aws_route_table",
                "private",
                i,
                tagged(
                    env,
                    {
                        "arn": env.arn("ec2", f"route-table/{rt_id}"),
                        "id": rt_id,
                        "owner_id": env.account_id,
                        "propagating_vgws": [],
                        "route": [_route("0.0.0.0/0", nat_gateway_id=nat_id)],
                        "timeouts": None,
                        "vpc_id": vpc_id,
                    },
                    tags(env, f"prod-private-{i}", "network", team),
                ),
                refs={"vpc_id": (vpc.address,), "route": (nat.address,)},
            )
        )
        for kind, table in (("private", rt), ("public", rt_public)):
            subnet = f"{mod}.aws_subnet.{kind}[{i}]"
            add(
                make_instance(
                    mod,
                    "aws_route_table_association",
                    kind,
                    i,
                    {
                        "gateway_id": "",
                        "id": "rtbassoc-0" + env.hexid(subnet + "assoc"),
                        "route_table_id": table.values["id"],
                        "subnet_id": shared.ids[subnet],
                        "timeouts": None,
                    },
                    refs={"subnet_id": (subnet,), "route_table_id": (table.address,)},
                )
            )
    out.append(
        make_instance(
            mod,
            "aws_availability_zones",
            "available",
            None,
            {
                "all_availability_zones": None,
                "exclude_names": None,
                "exclude_zone_ids": None,
                "filter": None,
                "group_names": [env.region],
                "id": env.region,
                "names": [f"{env.region}{z}" for z in "abc"],
                "state": "available",
                "timeouts": None,
                "zone_ids": ["euw1-az1", "euw1-az2", "euw1-az3"],
            },
            mode="data",
        )
    )
    return Group(mod, _sorted(out))


def _route(cidr: str, **target: str) -> dict[str, Any]:
    route = {
        "carrier_gateway_id": "",
        "cidr_block": cidr,
        "core_network_arn": "",
        "destination_prefix_list_id": "",
        "egress_only_gateway_id": "",
        "gateway_id": "",
        "ipv6_cidr_block": "",
        "local_gateway_id": "",
        "nat_gateway_id": "",
        "network_interface_id": "",
        "transit_gateway_id": "",
        "vpc_endpoint_id": "",
        "vpc_peering_connection_id": "",
    }
    route.update(target)
    return route


def root_group(env: Env, shared: Shared) -> Group:
    """Root module: the ALB, its listener, the alerts topic and the caller identity."""
    team = "platform"
    lb_name = f"{env.environment}-edge"
    lb_arn = env.arn("elasticloadbalancing", f"loadbalancer/app/{lb_name}/{env.hexid('lb', 16)}")
    publics = tuple(f"module.network.aws_subnet.public[{i}]" for i in range(AZ_COUNT))
    lb = make_instance(
        "",
        "aws_lb",
        "main",
        None,
        tagged(
            env,
            {
                "access_logs": [
                    {"bucket": f"{env.environment}-lb-logs", "enabled": True, "prefix": "edge"}
                ],
                "arn": lb_arn,
                "arn_suffix": lb_arn.split("loadbalancer/")[1],
                "client_keep_alive": 3600,
                "connection_logs": [],
                "customer_owned_ipv4_pool": "",
                "desync_mitigation_mode": "defensive",
                "dns_name": f"{lb_name}-1234567890.{env.region}.elb.amazonaws.com",
                "drop_invalid_header_fields": True,
                "enable_cross_zone_load_balancing": True,
                "enable_deletion_protection": True,
                "enable_http2": True,
                "enable_waf_fail_open": False,
                "id": lb_arn,
                "idle_timeout": 60,
                "internal": False,
                "ip_address_type": "ipv4",
                "load_balancer_type": "application",
                "name": lb_name,
                "name_prefix": "",
                "preserve_host_header": False,
                "security_groups": [shared.ids["module.network.aws_security_group.lb"]],
                "subnet_mapping": [],
                "subnets": [shared.ids[s] for s in publics],
                "timeouts": None,
                "vpc_id": shared.ids["module.network.aws_vpc.this"],
                "xff_header_processing_mode": "append",
                "zone_id": "Z32O12XQLNTSW2",
            },
            tags(env, lb_name, "edge", team),
        ),
        refs={
            "subnets": publics,
            "security_groups": ("module.network.aws_security_group.lb",),
            "vpc_id": ("module.network.aws_vpc.this",),
        },
    )
    listener_arn = env.arn("elasticloadbalancing", f"listener/app/{lb_name}/{env.hexid('lsn', 16)}")
    listener = make_instance(
        "",
        "aws_lb_listener",
        "https",
        None,
        tagged(
            env,
            {
                "alpn_policy": None,
                "arn": listener_arn,
                "certificate_arn": env.arn("acm", f"certificate/{env.hexid('cert', 8)}"),
                "default_action": [
                    {
                        "authenticate_cognito": [],
                        "authenticate_oidc": [],
                        "fixed_response": [
                            {
                                "content_type": "text/plain",
                                "message_body": "not found",
                                "status_code": "404",
                            }
                        ],
                        "forward": [],
                        "order": 1,
                        "redirect": [],
                        "target_group_arn": "",
                        "type": "fixed-response",
                    }
                ],
                "id": listener_arn,
                "load_balancer_arn": lb_arn,
                "mutual_authentication": [],
                "port": 443,
                "protocol": "HTTPS",
                "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "timeouts": None,
            },
            tags(env, "edge-https", "edge", team),
        ),
        refs={"load_balancer_arn": (lb.address,)},
    )
    topic_arn = env.arn("sns", f"{env.environment}-alerts")
    topic = make_instance(
        "",
        "aws_sns_topic",
        "alerts",
        None,
        tagged(
            env,
            {
                "application_failure_feedback_role_arn": "",
                "arn": topic_arn,
                "content_based_deduplication": False,
                "delivery_policy": "",
                "display_name": "",
                "fifo_topic": False,
                "id": topic_arn,
                "kms_master_key_id": "alias/aws/sns",
                "name": f"{env.environment}-alerts",
                "owner": env.account_id,
                "policy": policy_document(
                    [
                        {
                            "Action": ["SNS:Publish"],
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudwatch.amazonaws.com"},
                            "Resource": topic_arn,
                            "Sid": "AllowCloudWatchAlarms",
                        }
                    ]
                ),
                "signature_version": 0,
                "tracing_config": "",
            },
            tags(env, "alerts", "edge", team),
        ),
    )
    identity = make_instance(
        "",
        "aws_caller_identity",
        "current",
        None,
        {
            "account_id": env.account_id,
            "arn": env.arn("sts", "assumed-role/terraform-prod/ci", region=False),
            "id": env.account_id,
            "user_id": "AROA" + env.hexid("uid").upper() + ":terraform-ci",
        },
        mode="data",
    )
    for inst in (lb, listener, topic):
        shared.ids[inst.address] = inst.values["id"]
    return Group("", _sorted([lb, listener, topic, identity]))


def service_group(env: Env, svc: Service, shared: Shared) -> Group:
    """One `module.service["name"]` instance with its nested `module.logs`."""
    return Group(
        f'module.service["{svc.name}"]', _sorted(service_instances(env, svc, shared)), service=svc
    )
