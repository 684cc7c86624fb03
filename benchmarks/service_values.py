"""Benchmark estate, one service: the instances of `module.service["name"]` and its `module.logs`.

Input: the estate constants, the service (name, team, instance count, database) and the ids
of the network and root resources it references through module inputs. Output: the service's
`Instance`s (security group, target group, listener rule, IAM role/policy/profile, EC2
instances, S3 bucket and versioning, SQS queue, optional random_password + DB subnet group +
DB instance, log group and alarm), unsorted.
"""

from __future__ import annotations

from typing import Any

from benchmarks.attributes import (
    Env,
    assume_role_policy,
    policy_document,
    sg_rule,
    tagged,
    tags,
    user_data,
)
from benchmarks.instance import AZ_COUNT, RANDOM, Instance, Service, Shared, make_instance


def service_instances(env: Env, svc: Service, shared: Shared) -> list[Instance]:
    """Every instance of one service."""
    mod = f'module.service["{svc.name}"]'
    name = f"{env.environment}-{svc.name}"
    tag_map = tags(env, name, svc.name, svc.team)
    vpc = "module.network.aws_vpc.this"
    privates = tuple(f"module.network.aws_subnet.private[{i}]" for i in range(AZ_COUNT))
    vpc_id = shared.ids[vpc]
    out: list[Instance] = []

    def add(
        type_: str,
        rname: str,
        index: int | None,
        values: dict[str, Any],
        module: str = mod,
        **kwargs: Any,
    ) -> Instance:
        inst = make_instance(module, type_, rname, index, values, **kwargs)
        out.append(inst)
        return inst

    sg_id = "sg-0" + env.hexid(mod + "sg")
    sg = add(
        "aws_security_group",
        "this",
        None,
        tagged(
            env,
            {
                "arn": env.arn("ec2", f"security-group/{sg_id}"),
                "description": f"{svc.name} tasks",
                "egress": [sg_rule(0, "-1", ["0.0.0.0/0"], "all egress")],
                "id": sg_id,
                "ingress": [
                    sg_rule(8080, "tcp", [], "from load balancer", ["sg-0" + env.hexid("lbsg")])
                ],
                "name": name,
                "name_prefix": "",
                "owner_id": env.account_id,
                "revoke_rules_on_delete": False,
                "timeouts": None,
                "vpc_id": vpc_id,
            },
            dict(tag_map),
        ),
        refs={"vpc_id": (vpc,)},
        schema_version=1,
    )
    tg_name = f"tg-{env.hexid(mod + 'tg', 12)}"
    tg_arn = env.arn("elasticloadbalancing", f"targetgroup/{tg_name}/{env.hexid(mod + 'tga', 16)}")
    tg = add(
        "aws_lb_target_group",
        "this",
        None,
        tagged(
            env,
            {
                "arn": tg_arn,
                "arn_suffix": tg_arn.split(":")[-1],
                "connection_termination": None,
                "deregistration_delay": "30",
                "health_check": [
                    {
                        "enabled": True,
                        "healthy_threshold": 3,
                        "interval": 15,
                        "matcher": "200-399",
                        "path": "/healthz",
                        "port": "traffic-port",
                        "protocol": "HTTP",
                        "timeout": 5,
                        "unhealthy_threshold": 3,
                    }
                ],
                "id": tg_arn,
                "ip_address_type": "ipv4",
                "lambda_multi_value_headers_enabled": False,
                "load_balancer_arns": [],
                "load_balancing_algorithm_type": "round_robin",
                "load_balancing_anomaly_mitigation": "off",
                "load_balancing_cross_zone_enabled": "use_load_balancer_configuration",
                "name": tg_name,
                "name_prefix": "",
                "port": 8080,
                "preserve_client_ip": None,
                "protocol": "HTTP",
                "protocol_version": "HTTP1",
                "proxy_protocol_v2": False,
                "slow_start": 0,
                "stickiness": [
                    {
                        "cookie_duration": 86400,
                        "cookie_name": "",
                        "enabled": False,
                        "type": "lb_cookie",
                    }
                ],
                "target_type": "instance",
                "vpc_id": vpc_id,
            },
            dict(tag_map),
        ),
        refs={"vpc_id": (vpc,)},
    )
    listener = "aws_lb_listener.https"
    rule_arn = env.arn(
        "elasticloadbalancing", f"listener-rule/app/edge/{env.hexid(mod + 'lr', 16)}"
    )
    add(
        "aws_lb_listener_rule",
        "this",
        None,
        tagged(
            env,
            {
                "action": [
                    {
                        "authenticate_cognito": [],
                        "authenticate_oidc": [],
                        "fixed_response": [],
                        "forward": [],
                        "order": 1,
                        "redirect": [],
                        "target_group_arn": tg_arn,
                        "type": "forward",
                    }
                ],
                "arn": rule_arn,
                "condition": [
                    {
                        "host_header": [{"values": [f"{svc.name}.example.com"]}],
                        "http_header": [],
                        "http_request_method": [],
                        "path_pattern": [],
                        "query_string": [],
                        "source_ip": [],
                    }
                ],
                "id": rule_arn,
                "listener_arn": shared.ids[listener],
                "priority": int(env.hexid(mod + "prio", 4), 16) % 50000 + 1,
            },
            dict(tag_map),
        ),
        refs={"action": (tg.address,), "listener_arn": (listener,)},
    )
    role = add(
        "aws_iam_role",
        "this",
        None,
        tagged(
            env,
            {
                "arn": env.arn("iam", f"role/{name}", region=False),
                "assume_role_policy": assume_role_policy("ec2.amazonaws.com"),
                "create_date": "2024-05-02T10:41:07Z",
                "description": f"Instance role of {svc.name}",
                "force_detach_policies": False,
                "id": name,
                "inline_policy": [{"name": name, "policy": ""}],
                "managed_policy_arns": ["arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"],
                "max_session_duration": 3600,
                "name": name,
                "name_prefix": "",
                "path": "/",
                "permissions_boundary": "",
                "unique_id": "AROA" + env.hexid(mod + "role").upper(),
            },
            dict(tag_map),
        ),
    )
    bucket_name = f"{name}-artifacts-{env.account_id}"
    bucket = add(
        "aws_s3_bucket",
        "artifacts",
        None,
        tagged(
            env,
            {
                "acceleration_status": "",
                "acl": None,
                "arn": f"arn:aws:s3:::{bucket_name}",
                "bucket": bucket_name,
                "bucket_domain_name": f"{bucket_name}.s3.amazonaws.com",
                "bucket_prefix": "",
                "bucket_regional_domain_name": f"{bucket_name}.s3.{env.region}.amazonaws.com",
                "force_destroy": False,
                "hosted_zone_id": "Z1BKCTXD74EZPE",
                "id": bucket_name,
                "object_lock_enabled": False,
                "policy": "",
                "region": env.region,
                "request_payer": "BucketOwner",
                "server_side_encryption_configuration": [
                    {
                        "rule": [
                            {
                                "apply_server_side_encryption_by_default": [
                                    {"kms_master_key_id": "", "sse_algorithm": "AES256"}
                                ],
                                "bucket_key_enabled": False,
                            }
                        ]
                    }
                ],
                "timeouts": None,
            },
            dict(tag_map),
        ),
    )
    add(
        "aws_s3_bucket_versioning",
        "artifacts",
        None,
        {
            "bucket": bucket_name,
            "expected_bucket_owner": "",
            "id": bucket_name,
            "mfa": None,
            "versioning_configuration": [{"mfa_delete": "", "status": "Enabled"}],
        },
        refs={"bucket": (bucket.address,)},
    )
    queue_url = f"https://sqs.{env.region}.amazonaws.com/{env.account_id}/{name}-events"
    queue = add(
        "aws_sqs_queue",
        "events",
        None,
        tagged(
            env,
            {
                "arn": env.arn("sqs", f"{name}-events"),
                "content_based_deduplication": False,
                "deduplication_scope": "",
                "delay_seconds": 0,
                "fifo_queue": False,
                "fifo_throughput_limit": "",
                "id": queue_url,
                "kms_data_key_reuse_period_seconds": 300,
                "kms_master_key_id": "",
                "max_message_size": 262144,
                "message_retention_seconds": 345600,
                "name": f"{name}-events",
                "name_prefix": "",
                "policy": "",
                "receive_wait_time_seconds": 20,
                "redrive_allow_policy": "",
                "redrive_policy": "",
                "sqs_managed_sse_enabled": True,
                "url": queue_url,
                "visibility_timeout_seconds": 60,
            },
            dict(tag_map),
        ),
    )
    policy = policy_document(
        [
            {
                "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                "Effect": "Allow",
                "Resource": [bucket.values["arn"], bucket.values["arn"] + "/*"],
                "Sid": "Artifacts",
            },
            {
                "Action": [
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ],
                "Effect": "Allow",
                "Resource": queue.values["arn"],
                "Sid": "Events",
            },
            {
                "Action": ["ssm:GetParameter", "ssm:GetParametersByPath"],
                "Effect": "Allow",
                "Resource": env.arn("ssm", f"parameter/{svc.name}/*"),
                "Sid": "Parameters",
            },
        ]
    )
    add(
        "aws_iam_role_policy",
        "this",
        None,
        {
            "id": f"{name}:{name}",
            "name": name,
            "name_prefix": "",
            "policy": policy,
            "role": name,
        },
        refs={"policy": (bucket.address, queue.address), "role": (role.address,)},
    )
    profile = add(
        "aws_iam_instance_profile",
        "this",
        None,
        tagged(
            env,
            {
                "arn": env.arn("iam", f"instance-profile/{name}", region=False),
                "create_date": "2024-05-02T10:41:09Z",
                "id": name,
                "name": name,
                "name_prefix": "",
                "path": "/",
                "role": name,
                "unique_id": "AIPA" + env.hexid(mod + "ip").upper(),
            },
            dict(tag_map),
        ),
        refs={"role": (role.address,)},
    )
    logs = f"{mod}.module.logs"
    log_group_name = f"/{env.environment}/{svc.name}"
    log_group = add(
        "aws_cloudwatch_log_group",
        "this",
        None,
        tagged(
            env,
            {
                "arn": env.arn("logs", f"log-group:{log_group_name}"),
                "id": log_group_name,
                "kms_key_id": "",
                "log_group_class": "STANDARD",
                "name": log_group_name,
                "name_prefix": "",
                "retention_in_days": 30,
                "skip_destroy": False,
            },
            dict(tag_map),
        ),
        module=logs,
    )
    add(
        "aws_cloudwatch_metric_alarm",
        "errors",
        None,
        tagged(
            env,
            {
                "actions_enabled": True,
                "alarm_actions": [env.arn("sns", f"{env.environment}-alerts")],
                "alarm_description": f"Error rate of {svc.name}",
                "alarm_name": f"{name}-errors",
                "arn": env.arn("cloudwatch", f"alarm:{name}-errors"),
                "comparison_operator": "GreaterThanThreshold",
                "datapoints_to_alarm": 0,
                "dimensions": {"LogGroupName": log_group_name},
                "evaluate_low_sample_count_percentiles": "",
                "evaluation_periods": 3,
                "extended_statistic": "",
                "id": f"{name}-errors",
                "insufficient_data_actions": [],
                "metric_name": "ErrorCount",
                "metric_query": [],
                "namespace": "App",
                "ok_actions": [],
                "period": 60,
                "statistic": "Sum",
                "threshold": 5,
                "threshold_metric_id": "",
                "treat_missing_data": "notBreaching",
                "unit": "",
            },
            dict(tag_map),
        ),
        module=logs,
        refs={"dimensions": (log_group.address,)},
        schema_version=1,
    )
    script = user_data(svc.name, log_group_name, env.region)
    for i in range(svc.instances):
        subnet = privates[i % AZ_COUNT]
        iid = "i-0" + env.hexid(f"{mod}i{i}")
        add(
            "aws_instance",
            "app",
            i,
            tagged(
                env,
                {
                    "ami": "ami-0" + env.hexid("ami"),
                    "arn": env.arn("ec2", f"instance/{iid}"),
                    "associate_public_ip_address": False,
                    "availability_zone": f"{env.region}{'abc'[i % AZ_COUNT]}",
                    "cpu_core_count": 1,
                    "cpu_threads_per_core": 2,
                    "credit_specification": [],
                    "disable_api_stop": False,
                    "disable_api_termination": False,
                    "ebs_optimized": True,
                    "get_password_data": False,
                    "hibernation": False,
                    "iam_instance_profile": profile.values["name"],
                    "id": iid,
                    "instance_initiated_shutdown_behavior": "stop",
                    "instance_state": "running",
                    "instance_type": "m6i.large",
                    "ipv6_address_count": 0,
                    "ipv6_addresses": [],
                    "key_name": "",
                    "metadata_options": [
                        {
                            "http_endpoint": "enabled",
                            "http_protocol_ipv6": "disabled",
                            "http_put_response_hop_limit": 2,
                            "http_tokens": "required",
                            "instance_metadata_tags": "disabled",
                        }
                    ],
                    "monitoring": True,
                    "placement_group": "",
                    "primary_network_interface_id": "eni-0" + env.hexid(iid + "eni"),
                    "private_dns": f"ip-10-40-{i}-{10 + i}.{env.region}.compute.internal",
                    "private_ip": f"10.40.{i % 250}.{10 + i % 240}",
                    "public_dns": "",
                    "public_ip": "",
                    "root_block_device": [
                        {
                            "delete_on_termination": True,
                            "device_name": "/dev/xvda",
                            "encrypted": True,
                            "iops": 3000,
                            "kms_key_id": "",
                            "tags": {},
                            "throughput": 125,
                            "volume_id": "vol-0" + env.hexid(iid + "vol"),
                            "volume_size": 50,
                            "volume_type": "gp3",
                        }
                    ],
                    "source_dest_check": True,
                    "subnet_id": shared.ids[subnet],
                    "tenancy": "default",
                    "user_data": script,
                    "user_data_replace_on_change": False,
                    "vpc_security_group_ids": [sg_id],
                },
                {**tag_map, "Name": f"{name}-{i}"},
            ),
            refs={
                "subnet_id": (subnet,),
                "vpc_security_group_ids": (sg.address,),
                "iam_instance_profile": (profile.address,),
            },
            schema_version=1,
        )
    if svc.database:
        password = env.secret(mod + "db")
        secret = add(
            "random_password",
            "db",
            0,
            {
                "bcrypt_hash": env.secret(mod + "bcrypt"),
                "id": "none",
                "keepers": None,
                "length": 32,
                "lower": True,
                "min_lower": 0,
                "min_numeric": 0,
                "min_special": 0,
                "min_upper": 0,
                "number": True,
                "numeric": True,
                "override_special": None,
                "result": password,
                "special": True,
                "upper": True,
            },
            provider=RANDOM,
            sensitive=frozenset({"bcrypt_hash", "result"}),
            schema_version=3,
        )
        group_name = f"{name}-db"
        subnet_group = add(
            "aws_db_subnet_group",
            "this",
            0,
            tagged(
                env,
                {
                    "arn": env.arn("rds", f"subgrp:{group_name}"),
                    "description": "Managed by Terraform",
                    "id": group_name,
                    "name": group_name,
                    "name_prefix": "",
                    "subnet_ids": sorted(shared.ids[s] for s in privates),
                    "supported_network_types": ["IPV4"],
                    "vpc_id": vpc_id,
                },
                dict(tag_map),
            ),
            refs={"subnet_ids": privates},
        )
        ident = f"{name}-db"
        add(
            "aws_db_instance",
            "this",
            0,
            tagged(
                env,
                {
                    "address": f"{ident}.c{env.hexid(mod, 12)}.{env.region}.rds.amazonaws.com",
                    "allocated_storage": 100,
                    "allow_major_version_upgrade": None,
                    "apply_immediately": False,
                    "arn": env.arn("rds", f"db:{ident}"),
                    "auto_minor_version_upgrade": True,
                    "availability_zone": f"{env.region}a",
                    "backup_retention_period": 14,
                    "backup_window": "02:00-03:00",
                    "ca_cert_identifier": "rds-ca-rsa2048-g1",
                    "copy_tags_to_snapshot": True,
                    "db_name": svc.name.replace("-", "_"),
                    "db_subnet_group_name": group_name,
                    "deletion_protection": True,
                    "endpoint": f"{ident}.c{env.hexid(mod, 12)}."
                    f"{env.region}.rds.amazonaws.com:5432",
                    "engine": "postgres",
                    "engine_version": "16.4",
                    "final_snapshot_identifier": f"{ident}-final",
                    "iam_database_authentication_enabled": True,
                    "id": "db-" + env.hexid(mod + "db", 26).upper(),
                    "identifier": ident,
                    "instance_class": "db.r6g.large",
                    "iops": 3000,
                    "kms_key_id": env.arn("kms", f"key/{env.hexid(mod + 'kms', 32)}"),
                    "maintenance_window": "sun:04:00-sun:05:00",
                    "multi_az": True,
                    "password": password,
                    "port": 5432,
                    "publicly_accessible": False,
                    "skip_final_snapshot": False,
                    "storage_encrypted": True,
                    "storage_type": "gp3",
                    "username": "app",
                    "vpc_security_group_ids": [sg_id],
                },
                dict(tag_map),
            ),
            sensitive=frozenset({"password"}),
            refs={
                "password": (secret.address,),
                "vpc_security_group_ids": (sg.address,),
                "db_subnet_group_name": (subnet_group.address,),
            },
            schema_version=2,
        )
    return out
