"""Graph stage: edges per kind on tiny hand-built plans (Plan → DependencyGraph)."""

from __future__ import annotations

from typing import Any

from planrisk.graph import DependencyGraph, build_graph
from planrisk.model import (
    Action,
    ConfigModule,
    ConfigOutput,
    ConfigResource,
    Configuration,
    Link,
    ModuleCall,
    Plan,
    ProviderConfig,
    PulumiStep,
    Resource,
    Tool,
)
from tests.support import builders
from tests.support.builders import make_plan


def ref(*refs: str) -> dict[str, Any]:
    """A configuration expression with references."""
    return {"references": list(refs)}


def res(address: str, **kw: Any) -> ConfigResource:
    """A config resource; address is module-relative."""
    mode = "data" if address.startswith("data.") else "managed"
    type_, name = address.removeprefix("data.").split(".")
    return ConfigResource(address=address, mode=mode, type=type_, name=name, **kw)


def instance(address: str, **kw: Any) -> Resource:
    """A Resource whose type/name are taken from the address tail (good enough for edges)."""
    return Resource(address=address, type="t", name="n", **kw)


def tf_plan(root: ConfigModule | None, addresses: list[str], **kw: Any) -> Plan:
    config = Configuration(root_module=root) if root is not None else None
    return make_plan(
        *kw.pop("changes", ()),
        configuration=config,
        resources=tuple(kw.pop("resources", ())) or tuple(instance(a) for a in addresses),
        **kw,
    )


def kinds(graph: DependencyGraph, u: str, v: str) -> set[str]:
    if not graph.graph.has_edge(u, v):
        return set()
    return set(graph.graph.edges[u, v]["kinds"])


def test_direct_reference_all_instances_by_all_instances() -> None:
    root = ConfigModule(
        resources=(
            res("aws_vpc.main"),
            res("aws_subnet.a", expressions={"vpc_id": ref("aws_vpc.main.id", "aws_vpc.main")}),
        )
    )
    plan = tf_plan(root, ["aws_vpc.main", "aws_subnet.a[0]", "aws_subnet.a[1]"])
    graph = build_graph(plan)
    assert kinds(graph, "aws_subnet.a[0]", "aws_vpc.main") == {"reference"}
    assert kinds(graph, "aws_subnet.a[1]", "aws_vpc.main") == {"reference"}
    assert graph.dependents("aws_vpc.main") == {"aws_subnet.a[0]", "aws_subnet.a[1]"}
    assert graph.dependencies("aws_vpc.main") == set()


def test_nested_block_shapes_provisioners_and_count_are_followed() -> None:
    root = ConfigModule(
        resources=(
            res("aws_a.x"),
            res("aws_b.x"),
            res("aws_c.x"),
            res(
                "aws_d.x",
                expressions={"ingress": [{"cidr": ref("aws_a.x.cidr")}], "tags": {"k": {}}},
                provisioners=({"type": "local-exec", "expressions": {"c": ref("aws_b.x.id")}},),
                count_expression=ref("aws_c.x.n"),
            ),
        )
    )
    graph = build_graph(tf_plan(root, ["aws_a.x", "aws_b.x", "aws_c.x", "aws_d.x[0]"]))
    assert {v for _, v in graph.graph.out_edges("aws_d.x[0]")} == {"aws_a.x", "aws_b.x", "aws_c.x"}


def test_module_io_through_two_nested_levels_follows_the_instance_path() -> None:
    inner = ConfigModule(
        resources=(res("aws_s3_bucket.b", expressions={"kms": ref("var.key")}),),
        outputs={"arn": ConfigOutput(expression=ref("aws_s3_bucket.b.arn"))},
    )
    middle = ConfigModule(
        module_calls={"inner": ModuleCall(expressions={"key": ref("var.key")}, module=inner)},
        outputs={"arn": ConfigOutput(expression=ref("module.inner.arn", "module.inner"))},
    )
    root = ConfigModule(
        resources=(
            res("aws_kms_key.k", for_each_expression=ref("var.envs")),
            res("aws_iam_policy.p", expressions={"arns": ref("module.m.arn", "module.m")}),
        ),
        module_calls={
            "m": ModuleCall(
                expressions={"key": ref('aws_kms_key.k["a"].arn', 'aws_kms_key.k["a"]')},
                for_each_expression=ref("var.envs"),
                module=middle,
            )
        },
    )
    addresses = [
        'aws_kms_key.k["a"]',
        'aws_kms_key.k["b"]',
        "aws_iam_policy.p",
        'module.m["x"].module.inner.aws_s3_bucket.b',
        'module.m["y"].module.inner.aws_s3_bucket.b',
    ]
    graph = build_graph(tf_plan(root, addresses))
    bucket_x = 'module.m["x"].module.inner.aws_s3_bucket.b'
    # var.key → var.key → aws_kms_key.k: module_io, all instances of k (keys are not narrowed).
    assert kinds(graph, bucket_x, 'aws_kms_key.k["a"]') == {"module_io"}
    assert kinds(graph, bucket_x, 'aws_kms_key.k["b"]') == {"module_io"}
    # module.m.arn → module.inner.arn → the buckets of every module.m instance.
    assert kinds(graph, "aws_iam_policy.p", bucket_x) == {"module_io"}
    assert kinds(graph, "aws_iam_policy.p", 'module.m["y"].module.inner.aws_s3_bucket.b') == {
        "module_io"
    }
    assert graph.dependency_path("aws_iam_policy.p", 'aws_kms_key.k["b"]') == [
        "aws_iam_policy.p",
        bucket_x,
        'aws_kms_key.k["b"]',
    ]
    assert graph.dependency_path('aws_kms_key.k["b"]', "aws_iam_policy.p") == []


def test_references_stay_inside_their_module_instance() -> None:
    child = ConfigModule(
        resources=(
            res("aws_subnet.y"),
            res("aws_instance.z", expressions={"subnet": ref("aws_subnet.y.id")}),
        )
    )
    root = ConfigModule(module_calls={"a": ModuleCall(for_each_expression={}, module=child)})
    keys = ['"x"', '"a.b\\"c]"']
    addresses = [f"module.a[{k}].{r}" for k in keys for r in ("aws_subnet.y", "aws_instance.z")]
    graph = build_graph(tf_plan(root, addresses))
    x_inst, x_sub = 'module.a["x"].aws_instance.z', 'module.a["x"].aws_subnet.y'
    odd_inst, odd_sub = (
        'module.a["a.b\\"c]"].aws_instance.z',
        'module.a["a.b\\"c]"].aws_subnet.y',
    )
    assert graph.dependencies(x_inst) == {x_sub}
    assert graph.dependencies(odd_inst) == {odd_sub}
    assert graph.config_address(odd_inst) == "module.a.aws_instance.z"


def test_literal_module_key_in_output_reference_narrows_to_that_instance() -> None:
    child = ConfigModule(
        resources=(res("aws_sqs_queue.q"),),
        outputs={"url": ConfigOutput(expression=ref("aws_sqs_queue.q.url"))},
    )
    root = ConfigModule(
        resources=(
            res(
                "aws_lambda.f",
                expressions={"q": ref('module.c["k"].url', 'module.c["k"]', "module.c")},
            ),
        ),
        module_calls={"c": ModuleCall(module=child)},
    )
    graph = build_graph(
        tf_plan(
            root, ["aws_lambda.f", 'module.c["k"].aws_sqs_queue.q', 'module.c["j"].aws_sqs_queue.q']
        )
    )
    assert graph.dependencies("aws_lambda.f") == {'module.c["k"].aws_sqs_queue.q'}


def test_depends_on_resource_module_and_ancestor_call() -> None:
    grandchild = ConfigModule(resources=(res("aws_c.deep"),))
    child = ConfigModule(
        resources=(res("aws_b.one"),),
        module_calls={"g": ModuleCall(module=grandchild)},
    )
    consumer = ConfigModule(resources=(res("aws_d.inner"),))
    root = ConfigModule(
        resources=(
            res("aws_a.first"),
            res("aws_e.x", depends_on=("module.c", "aws_a.first")),
        ),
        module_calls={
            "c": ModuleCall(module=child),
            "u": ModuleCall(
                depends_on=("aws_a.first",), count_expression=ref("aws_b.n"), module=consumer
            ),
        },
    )
    addresses = [
        "aws_a.first",
        "aws_e.x",
        "module.c.aws_b.one",
        "module.c.module.g.aws_c.deep",
        "module.u[0].aws_d.inner",
        "aws_b.n",
    ]
    graph = build_graph(tf_plan(root, addresses))
    assert kinds(graph, "aws_e.x", "aws_a.first") == {"depends_on"}
    assert kinds(graph, "aws_e.x", "module.c.aws_b.one") == {"depends_on"}
    assert kinds(graph, "aws_e.x", "module.c.module.g.aws_c.deep") == {"depends_on"}
    assert kinds(graph, "module.u[0].aws_d.inner", "aws_a.first") == {"depends_on"}
    assert kinds(graph, "module.u[0].aws_d.inner", "aws_b.n") == {"module_io"}


def test_provider_block_references_become_provider_edges() -> None:
    root = ConfigModule(
        resources=(
            res("aws_eks_cluster.c"),
            res("kubernetes_namespace.n", provider_config_key="kubernetes"),
        )
    )
    config = Configuration(
        root_module=root,
        provider_config={
            "kubernetes": ProviderConfig(
                name="kubernetes", expressions={"host": ref("aws_eks_cluster.c.endpoint")}
            )
        },
    )
    plan = make_plan(
        configuration=config,
        resources=(instance("aws_eks_cluster.c"), instance("kubernetes_namespace.n")),
    )
    graph = build_graph(plan)
    assert kinds(graph, "kubernetes_namespace.n", "aws_eks_cluster.c") == {"provider"}


def test_state_depends_on_covers_orphans_and_shares_module_instances() -> None:
    resources = [
        instance("aws_orphan.o", depends_on=("module.a.aws_x.y", "data.aws_ami.i")),
        instance("data.aws_ami.i"),
        instance('module.a["p"].aws_x.y'),
        instance('module.a["q"].aws_x.y'),
        instance('module.a["p"].aws_z.w', depends_on=("module.a.aws_x.y",)),
    ]
    change = builders.change("aws_orphan.o", "aws_orphan", Action.DELETE)
    graph = build_graph(tf_plan(None, [], resources=resources, changes=(change,)))
    assert graph.dependencies("aws_orphan.o") == {
        'module.a["p"].aws_x.y',
        'module.a["q"].aws_x.y',
        "data.aws_ami.i",
    }
    assert kinds(graph, "aws_orphan.o", "data.aws_ami.i") == {"state_depends_on"}
    # Inside module.a["p"], module.a.aws_x.y means the "p" instance only.
    assert graph.dependencies('module.a["p"].aws_z.w') == {'module.a["p"].aws_x.y'}
    assert graph.graph.nodes["aws_orphan.o"]["change"] is change


def test_change_only_and_deposed_addresses_are_nodes_once() -> None:
    current = builders.change("aws_a.x", "aws_a", Action.REPLACE)
    deposed = builders.change("aws_a.x", "aws_a", Action.DELETE, deposed="3f2b8c1a")
    gone = builders.change("aws_b.gone", "aws_b", Action.DELETE)
    graph = build_graph(tf_plan(None, [], resources=[], changes=(deposed, current, gone)))
    assert set(graph.graph.nodes) == {"aws_a.x", "aws_b.gone"}
    assert graph.graph.nodes["aws_a.x"]["change"] is current
    assert graph.graph.nodes["aws_b.gone"]["resource"] is None


STACK = "urn:pulumi:dev::proj::"


def test_pulumi_links_and_placeholders() -> None:
    bucket = STACK + "aws:s3/bucket:Bucket::logs::v2"
    policy = STACK + "aws:s3/bucket:Bucket$aws:s3/bucketPolicy:BucketPolicy::p"
    provider = STACK + "pulumi:providers:aws::default_6_0_0"
    stack = STACK + "pulumi:pulumi:Stack::proj-dev"
    resources = (
        Resource(
            address=bucket,
            type="aws:s3/bucket:Bucket",
            name="logs::v2",
            links=(Link(stack, "parent"), Link(provider, "provider")),
        ),
        Resource(
            address=policy,
            type="aws:s3/bucketPolicy:BucketPolicy",
            name="p",
            links=(
                Link(bucket, "property", "bucket"),
                Link(bucket, "depends_on"),
                Link(bucket, "parent"),
            ),
        ),
        Resource(address=stack, type="pulumi:pulumi:Stack", name="proj-dev"),
    )
    change = builders.change(
        policy,
        "aws:s3/bucketPolicy:BucketPolicy",
        Action.DELETE,
        name="p",
        pulumi=PulumiStep(ops=("delete",), deleted_with=bucket),
    )
    plan = make_plan(change, tool=Tool.PULUMI, resources=resources)
    graph = build_graph(plan)
    assert kinds(graph, policy, bucket) == {"property", "depends_on", "parent", "deleted_with"}
    assert kinds(graph, bucket, provider) == {"provider"}
    assert graph.graph.nodes[provider]["placeholder"] is True
    assert graph.graph.nodes[bucket]["placeholder"] is False
    assert graph.dependents(provider) == {bucket, policy}
    assert graph.config_address(bucket) == bucket


def test_unknown_address_queries_are_empty() -> None:
    graph = build_graph(tf_plan(None, ["aws_a.x"]))
    assert graph.dependents("nope.nope") == set()
    assert graph.dependencies("nope.nope") == set()
    assert graph.dependency_path("aws_a.x", "nope.nope") == []
