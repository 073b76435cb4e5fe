"""deploy/cloudformation.yaml, created in moto: what the ALB, the instances and the bucket look like.

(`cfn-lint` runs in `make lint`. moto does not model every resource type — Secrets
Manager and the bucket policy are read from the template itself.)
"""

import json
import runpy
import warnings
from pathlib import Path

import boto3
import pytest
from cfnlint.decode import cfn_yaml
from moto import mock_aws

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "cloudformation.yaml"
REGION = "ap-northeast-2"


@pytest.fixture(scope="module")
def stack():
    with mock_aws(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "no moto support for AWS::SecretsManager::Secret" and the like
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in enumerate("abab")
        ]
        ami = ec2.describe_images()["Images"][0]["ImageId"]
        boto3.client("ssm", region_name=REGION).put_parameter(Name="/test/ami", Value=ami, Type="String")
        certificate = boto3.client("acm", region_name=REGION).request_certificate(
            DomainName="tablebookings.example", ValidationMethod="DNS"
        )["CertificateArn"]
        parameters = {
            "VpcId": vpc,
            "PublicSubnetIds": ",".join(subnets[:2]),
            "PrivateSubnetIds": ",".join(subnets[2:]),
            "DomainName": "tablebookings.example",
            "CertificateArn": certificate,
            "ContainerImage": "registry.example/table-bookings:1",
            "ImageId": "/test/ami",
            "RoutingAlgorithm": "least_outstanding_requests",
        }
        cfn = boto3.client("cloudformation", region_name=REGION)
        cfn.create_stack(
            StackName="tb",
            TemplateBody=TEMPLATE.read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM"],
        )
        resources = {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in cfn.list_stack_resources(StackName="tb")["StackResourceSummaries"]
        }
        yield {
            "stack": cfn.describe_stacks(StackName="tb")["Stacks"][0],
            "resources": resources,
            "certificate": certificate,
            "subnets": subnets,
            "elbv2": boto3.client("elbv2", region_name=REGION),
            "ec2": ec2,
            "autoscaling": boto3.client("autoscaling", region_name=REGION),
            "s3": boto3.client("s3", region_name=REGION),
        }


def listener(stack, port):
    listeners = stack["elbv2"].describe_listeners(LoadBalancerArn=stack["resources"]["LoadBalancer"])["Listeners"]
    return next(item for item in listeners if item["Port"] == port)


def test_stack_is_created_and_outputs_the_site_url(stack):
    assert stack["stack"]["StackStatus"] == "CREATE_COMPLETE"
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["stack"]["Outputs"]}
    assert outputs["SiteUrl"] == "https://tablebookings.example/"


def test_https_listener_uses_the_certificate_and_a_tls_1_2_plus_policy(stack):
    https = listener(stack, 443)
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert https["Certificates"][0]["CertificateArn"] == stack["certificate"]
    assert https["DefaultActions"][0]["Type"] == "forward"
    assert https["DefaultActions"][0]["TargetGroupArn"] == stack["resources"]["TargetGroup"]


def test_plain_http_is_redirected_permanently_to_https(stack):
    http = listener(stack, 80)
    action = http["DefaultActions"][0]
    assert action["Type"] == "redirect"
    assert action["RedirectConfig"]["Protocol"] == "HTTPS"
    assert action["RedirectConfig"]["Port"] == "443"
    assert action["RedirectConfig"]["StatusCode"] == "HTTP_301"


def test_target_group_checks_healthz_on_the_gunicorn_port(stack):
    arn = stack["resources"]["TargetGroup"]
    group = stack["elbv2"].describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
    assert group["HealthCheckPath"] == "/healthz"
    assert group["Port"] == 8000
    assert group["Matcher"] == {"HttpCode": "200"}


def attributes(resource, key):
    return {a["Key"]: a["Value"] for a in template()["Resources"][resource]["Properties"][key]}


def test_target_group_drains_longer_than_gunicorn_shuts_down_and_takes_the_algorithm_parameter():
    # (moto accepts but does not store these attributes, so they are read from the template.)
    group = attributes("TargetGroup", "TargetGroupAttributes")
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert int(group["deregistration_delay.timeout_seconds"]) == gunicorn["DEREGISTRATION_DELAY"]
    assert gunicorn["graceful_timeout"] < gunicorn["DEREGISTRATION_DELAY"]
    assert group["load_balancing.algorithm.type"] == {"Ref": "RoutingAlgorithm"}
    assert template()["Parameters"]["RoutingAlgorithm"]["AllowedValues"] == [
        "round_robin",
        "least_outstanding_requests",
        "weighted_random",
    ]


def test_load_balancer_idle_timeout_is_shorter_than_gunicorn_keepalive():
    balancer = attributes("LoadBalancer", "LoadBalancerAttributes")
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert int(balancer["idle_timeout.timeout_seconds"]) == gunicorn["ALB_IDLE_TIMEOUT"] < gunicorn["keepalive"]


def test_auto_scaling_group_runs_at_least_two_instances_in_several_zones_with_elb_health_checks(stack):
    group = stack["autoscaling"].describe_auto_scaling_groups(
        AutoScalingGroupNames=[stack["resources"]["AutoScalingGroup"]]
    )["AutoScalingGroups"][0]
    assert group["MinSize"] >= 2
    assert group["HealthCheckType"] == "ELB"
    assert group["TargetGroupARNs"] == [stack["resources"]["TargetGroup"]]
    subnets = group["VPCZoneIdentifier"].split(",")
    zones = {s["AvailabilityZone"] for s in stack["ec2"].describe_subnets(SubnetIds=subnets)["Subnets"]}
    assert len(zones) >= 2


def test_instances_accept_traffic_only_from_the_load_balancer(stack):
    group = stack["ec2"].describe_security_groups(GroupIds=[stack["resources"]["InstanceSecurityGroup"]])[
        "SecurityGroups"
    ][0]
    [rule] = group["IpPermissions"]
    assert (rule["FromPort"], rule["ToPort"]) == (8000, 8000)
    assert rule.get("IpRanges", []) == []
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [stack["resources"]["LoadBalancerSecurityGroup"]]


def test_bucket_enforces_owner_and_blocks_public_acls(stack):
    stack["s3"].head_bucket(Bucket=stack["resources"]["Bucket"])
    # moto's CloudFormation creates the bucket but does not store these two, so they are read from the template.
    properties = template()["Resources"]["Bucket"]["Properties"]
    assert properties["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    block = properties["PublicAccessBlockConfiguration"]
    assert block["BlockPublicAcls"] is True
    assert block["IgnorePublicAcls"] is True


def template():
    return cfn_yaml.load(str(TEMPLATE))


def test_bucket_policy_makes_only_static_public_and_media_by_parameter():
    resources = template()["Resources"]
    [public] = [
        s for s in resources["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    ]
    assert public["Action"] == "s3:GetObject"
    condition, if_public, if_private = public["Resource"]["Fn::If"]
    assert condition == "IsMediaPublic"
    assert [item["Fn::Sub"] for item in if_private] == ["${Bucket.Arn}/static/*"]
    assert [item["Fn::Sub"] for item in if_public] == ["${Bucket.Arn}/static/*", "${Bucket.Arn}/media/*"]


def test_instance_role_may_touch_only_its_bucket_ses_and_its_secrets():
    role = template()["Resources"]["InstanceRole"]["Properties"]
    actions = {
        action
        for policy in role["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
    }
    assert actions == {
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "ses:SendEmail",
        "ses:SendRawEmail",
        "secretsmanager:GetSecretValue",
    }
    dumped = json.dumps(role["Policies"])
    assert '"s3:*"' not in dumped


def test_database_password_lives_in_secrets_manager_and_multi_az_is_a_parameter():
    database = template()["Resources"]["Database"]["Properties"]
    assert "{{resolve:secretsmanager:" in database["MasterUserPassword"]["Fn::Sub"]
    assert database["MultiAZ"] == {"Ref": "DatabaseMultiAZ"}
    assert database["Engine"] == "postgres"
    assert database["PubliclyAccessible"] is False
