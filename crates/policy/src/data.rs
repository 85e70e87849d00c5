//! A compact, hand-written table of the services Keyflow models: actions, the
//! resource types each action accepts, and service condition keys. Used by the
//! linter only (evaluation never depends on it).
//!
//! Action lists are written as `Name=type,type` separated by spaces; an empty type
//! list means the action takes no resource (`Resource: "*"`).

/// One modeled service.
pub struct Service {
    pub prefix: &'static str,
    pub name: &'static str,
    actions: &'static str,
    /// Resource types: (name, prefix of the ARN resource part that identifies it).
    pub resource_types: &'static [(&'static str, &'static str)],
    /// Service condition keys (lower-case); a trailing `/` or `:` marks a key prefix
    /// such as `kms:encryptioncontext:`.
    pub condition_keys: &'static [&'static str],
}

impl Service {
    /// (action name, resource types) pairs, in table order.
    pub fn actions(
        &'static self,
    ) -> impl Iterator<
        Item = (
            &'static str,
            std::iter::Copied<std::slice::Iter<'static, &'static str>>,
        ),
    > {
        self.action_table()
            .iter()
            .map(|a| (a.name, a.types.iter().copied()))
    }

    /// The parsed action table, built once: the linter looks actions up for every
    /// item of every statement, and re-splitting the table text each time made a
    /// pasted policy with 100,000 actions take over a minute to lint.
    pub fn action_table(&'static self) -> &'static [Action] {
        let index = self_index(self);
        &index.actions
    }

    /// The action named `name` (ASCII case-insensitive), without allocating.
    pub fn action(&'static self, name: &str) -> Option<(&'static str, &'static [&'static str])> {
        let index = self_index(self);
        // Lower-case into a stack buffer, then a byte-wise binary search: no
        // allocation and no per-byte case folding inside the comparisons.
        let mut buf = [0u8; MAX_ACTION_NAME];
        let lower = buf.get_mut(..name.len())?; // longer than any action name
        lower.copy_from_slice(name.as_bytes());
        lower.make_ascii_lowercase();
        let pos = index
            .by_name
            .binary_search_by(|(n, _)| n.as_bytes().cmp(lower))
            .ok()?;
        let a = index.actions.get(index.by_name.get(pos)?.1)?;
        Some((a.name, a.types.as_slice()))
    }

    pub fn has_condition_key(&self, key_lower: &str) -> bool {
        self.condition_keys.iter().any(|k| {
            if k.ends_with(':') || k.ends_with('/') {
                key_lower.starts_with(k) && key_lower.len() > k.len()
            } else {
                *k == key_lower
            }
        })
    }
}

/// One action of a modeled service.
pub struct Action {
    pub name: &'static str,
    /// Resource types the action accepts; empty when it takes `Resource: "*"`.
    pub types: Vec<&'static str>,
}

/// No action name in the tables is longer (checked by a test).
const MAX_ACTION_NAME: usize = 64;

/// A service's action table, parsed once.
struct ServiceIndex {
    /// In table order (suggestions prefer the earlier of two equally close names).
    actions: Vec<Action>,
    /// (lower-cased name, index into `actions`), sorted for binary search.
    by_name: Vec<(String, usize)>,
}

fn build_index(svc: &'static Service) -> ServiceIndex {
    let actions: Vec<Action> = svc
        .actions
        .split_whitespace()
        .map(|entry| {
            let (name, types) = entry.split_once('=').unwrap_or((entry, ""));
            let types = types.split(',').filter(|t| !t.is_empty()).collect();
            Action { name, types }
        })
        .collect();
    let mut by_name: Vec<(String, usize)> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.to_ascii_lowercase(), i))
        .collect();
    by_name.sort();
    ServiceIndex { actions, by_name }
}

/// The index of `svc`, one of [`SERVICES`] (any other service gets an empty index).
fn self_index(svc: &'static Service) -> &'static ServiceIndex {
    static INDEX: std::sync::OnceLock<Vec<ServiceIndex>> = std::sync::OnceLock::new();
    static EMPTY: ServiceIndex = ServiceIndex {
        actions: Vec::new(),
        by_name: Vec::new(),
    };
    let all = INDEX.get_or_init(|| SERVICES.iter().map(build_index).collect());
    SERVICES
        .iter()
        .position(|s| std::ptr::eq(s, svc))
        .and_then(|i| all.get(i))
        .unwrap_or(&EMPTY)
}

pub static SERVICES: &[Service] = &[
    Service {
        prefix: "kms",
        name: "AWS KMS",
        actions: "CancelKeyDeletion=key ConnectCustomKeyStore= CreateAlias=alias,key CreateCustomKeyStore= \
            CreateGrant=key CreateKey= Decrypt=key DeleteAlias=alias,key DeleteCustomKeyStore= \
            DeleteImportedKeyMaterial=key DeriveSharedSecret=key DescribeCustomKeyStores= DescribeKey=key \
            DisableKey=key DisableKeyRotation=key DisconnectCustomKeyStore= EnableKey=key EnableKeyRotation=key \
            Encrypt=key GenerateDataKey=key GenerateDataKeyPair=key GenerateDataKeyPairWithoutPlaintext=key \
            GenerateDataKeyWithoutPlaintext=key GenerateMac=key GenerateRandom= GetKeyPolicy=key \
            GetKeyRotationStatus=key GetParametersForImport=key GetPublicKey=key ImportKeyMaterial=key \
            ListAliases= ListGrants=key ListKeyPolicies=key ListKeyRotations=key ListKeys= ListResourceTags=key \
            ListRetirableGrants= PutKeyPolicy=key ReEncryptFrom=key ReEncryptTo=key ReplicateKey=key \
            RetireGrant=key RevokeGrant=key RotateKeyOnDemand=key ScheduleKeyDeletion=key Sign=key \
            SynchronizeMultiRegionKey=key TagResource=key UntagResource=key UpdateAlias=alias,key \
            UpdateCustomKeyStore= UpdateKeyDescription=key UpdatePrimaryRegion=key Verify=key VerifyMac=key",
        resource_types: &[("key", "key/"), ("alias", "alias/")],
        condition_keys: &[
            "kms:bypasspolicylockoutsafetycheck",
            "kms:calleraccount",
            "kms:customermasterkeyspec",
            "kms:customermasterkeyusage",
            "kms:datakeypairspec",
            "kms:encryptionalgorithm",
            "kms:encryptioncontext:",
            "kms:encryptioncontextkeys",
            "kms:expirationmodel",
            "kms:grantconstrainttype",
            "kms:grantisforawsresource",
            "kms:grantoperations",
            "kms:granteeprincipal",
            "kms:keyagreementalgorithm",
            "kms:keyorigin",
            "kms:keyspec",
            "kms:keyusage",
            "kms:macalgorithm",
            "kms:messagetype",
            "kms:multiregion",
            "kms:multiregionkeytype",
            "kms:primaryregion",
            "kms:reencryptonsamekey",
            "kms:replicaregion",
            "kms:requestalias",
            "kms:resourcealiases",
            "kms:retiringprincipal",
            "kms:rotationperiodindays",
            "kms:schedulekeydeletionpendingwindowindays",
            "kms:signingalgorithm",
            "kms:validto",
            "kms:viaservice",
            "kms:wrappingalgorithm",
            "kms:wrappingkeyspec",
            "kms:recipientattestation:",
        ],
    },
    Service {
        prefix: "s3",
        name: "Amazon S3",
        actions: "AbortMultipartUpload=object BypassGovernanceRetention=object CreateAccessPoint=accesspoint \
            CreateBucket=bucket CreateJob= DeleteAccessPoint=accesspoint DeleteAccessPointPolicy=accesspoint \
            DeleteBucket=bucket DeleteBucketOwnershipControls=bucket DeleteBucketPolicy=bucket \
            DeleteBucketWebsite=bucket DeleteObject=object DeleteObjectTagging=object DeleteObjectVersion=object \
            DeleteObjectVersionTagging=object DescribeJob=job GetAccelerateConfiguration=bucket \
            GetAccessPoint= GetAccessPointPolicy=accesspoint GetAccountPublicAccessBlock= GetAnalyticsConfiguration=bucket \
            GetBucketAcl=bucket GetBucketCORS=bucket GetBucketLocation=bucket GetBucketLogging=bucket \
            GetBucketNotification=bucket GetBucketObjectLockConfiguration=bucket GetBucketOwnershipControls=bucket \
            GetBucketPolicy=bucket GetBucketPolicyStatus=bucket GetBucketPublicAccessBlock=bucket \
            GetBucketRequestPayment=bucket GetBucketTagging=bucket GetBucketVersioning=bucket \
            GetBucketWebsite=bucket GetEncryptionConfiguration=bucket GetIntelligentTieringConfiguration=bucket \
            GetInventoryConfiguration=bucket GetLifecycleConfiguration=bucket GetMetricsConfiguration=bucket \
            GetObject=object GetObjectAcl=object GetObjectAttributes=object GetObjectLegalHold=object \
            GetObjectRetention=object GetObjectTagging=object GetObjectTorrent=object GetObjectVersion=object \
            GetObjectVersionAcl=object GetObjectVersionAttributes=object GetObjectVersionForReplication=object \
            GetObjectVersionTagging=object GetObjectVersionTorrent=object GetReplicationConfiguration=bucket \
            InitiateReplication=object ListAccessPoints= ListAllMyBuckets= ListBucket=bucket \
            ListBucketMultipartUploads=bucket ListBucketVersions=bucket ListJobs= ListMultipartUploadParts=object \
            ObjectOwnerOverrideToBucketOwner=object PutAccelerateConfiguration=bucket PutAccessPointPolicy=accesspoint \
            PutAccountPublicAccessBlock= PutAnalyticsConfiguration=bucket PutBucketAcl=bucket PutBucketCORS=bucket \
            PutBucketLogging=bucket PutBucketNotification=bucket PutBucketObjectLockConfiguration=bucket \
            PutBucketOwnershipControls=bucket PutBucketPolicy=bucket PutBucketPublicAccessBlock=bucket \
            PutBucketRequestPayment=bucket PutBucketTagging=bucket PutBucketVersioning=bucket PutBucketWebsite=bucket \
            PutEncryptionConfiguration=bucket PutIntelligentTieringConfiguration=bucket \
            PutInventoryConfiguration=bucket PutLifecycleConfiguration=bucket PutMetricsConfiguration=bucket \
            PutObject=object PutObjectAcl=object PutObjectLegalHold=object PutObjectRetention=object \
            PutObjectTagging=object PutObjectVersionAcl=object PutObjectVersionTagging=object \
            PutReplicationConfiguration=bucket ReplicateDelete=object ReplicateObject=object ReplicateTags=object \
            RestoreObject=object UpdateJobPriority=job UpdateJobStatus=job",
        resource_types: &[
            ("bucket", ""),
            ("object", ""),
            ("accesspoint", "accesspoint/"),
            ("job", "job/"),
        ],
        condition_keys: &[
            "s3:accesspointnetworkorigin",
            "s3:authtype",
            "s3:dataaccesspointaccount",
            "s3:dataaccesspointarn",
            "s3:delimiter",
            "s3:existingobjecttag/",
            "s3:locationconstraint",
            "s3:max-keys",
            "s3:object-lock-legal-hold",
            "s3:object-lock-mode",
            "s3:object-lock-remaining-retention-days",
            "s3:object-lock-retain-until-date",
            "s3:prefix",
            "s3:requestobjecttag/",
            "s3:requestobjecttagkeys",
            "s3:resourceaccount",
            "s3:signatureage",
            "s3:signatureversion",
            "s3:tlsversion",
            "s3:versionid",
            "s3:x-amz-acl",
            "s3:x-amz-content-sha256",
            "s3:x-amz-copy-source",
            "s3:x-amz-grant-full-control",
            "s3:x-amz-grant-read",
            "s3:x-amz-grant-read-acp",
            "s3:x-amz-grant-write",
            "s3:x-amz-grant-write-acp",
            "s3:x-amz-metadata-directive",
            "s3:x-amz-object-ownership",
            "s3:x-amz-server-side-encryption",
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            "s3:x-amz-server-side-encryption-customer-algorithm",
            "s3:x-amz-storage-class",
            "s3:x-amz-website-redirect-location",
            "s3:objectcreationoperation",
            "s3:bucketkeyenabled",
            "s3:if-match",
            "s3:if-none-match",
        ],
    },
    Service {
        prefix: "ssm",
        name: "AWS Systems Manager",
        actions: "AddTagsToResource=parameter,document DeleteParameter=parameter DeleteParameters=parameter \
            DescribeDocument=document DescribeParameters= GetDocument=document GetParameter=parameter \
            GetParameterHistory=parameter GetParameters=parameter GetParametersByPath=parameter \
            LabelParameterVersion=parameter ListTagsForResource=parameter,document PutParameter=parameter \
            RemoveTagsFromResource=parameter,document SendCommand=document,instance StartSession=document,instance \
            UnlabelParameterVersion=parameter DescribeInstanceInformation= ListCommands= GetCommandInvocation=",
        resource_types: &[
            ("parameter", "parameter/"),
            ("document", "document/"),
            ("instance", "instance/"),
        ],
        condition_keys: &[
            "ssm:overwrite",
            "ssm:recursive",
            "ssm:resourcetag/",
            "ssm:policies",
            "ssm:sessiondocumentaccesscheck",
        ],
    },
    Service {
        prefix: "elasticloadbalancing",
        name: "Elastic Load Balancing",
        actions: "AddListenerCertificates=listener AddTags=loadbalancer,targetgroup,listener CreateListener=loadbalancer \
            CreateLoadBalancer=loadbalancer CreateRule=listener CreateTargetGroup=targetgroup \
            DeleteListener=listener DeleteLoadBalancer=loadbalancer DeleteRule=listenerrule \
            DeleteTargetGroup=targetgroup DeregisterTargets=targetgroup DescribeListeners= \
            DescribeLoadBalancerAttributes= DescribeLoadBalancers= DescribeRules= DescribeTags= \
            DescribeTargetGroupAttributes= DescribeTargetGroups= DescribeTargetHealth= \
            ModifyListener=listener ModifyLoadBalancerAttributes=loadbalancer ModifyRule=listenerrule \
            ModifyTargetGroup=targetgroup ModifyTargetGroupAttributes=targetgroup RegisterTargets=targetgroup \
            RemoveTags=loadbalancer,targetgroup,listener SetSecurityGroups=loadbalancer SetSubnets=loadbalancer",
        resource_types: &[
            ("loadbalancer", "loadbalancer/"),
            ("targetgroup", "targetgroup/"),
            ("listener", "listener/"),
            ("listenerrule", "listener-rule/"),
        ],
        condition_keys: &[
            "elasticloadbalancing:resourcetag/",
            "elasticloadbalancing:createaction",
            "elasticloadbalancing:scheme",
            "elasticloadbalancing:securitygroup",
            "elasticloadbalancing:subnet",
        ],
    },
    Service {
        prefix: "cloudtrail",
        name: "AWS CloudTrail",
        actions: "AddTags=trail CreateTrail=trail DeleteTrail=trail DescribeTrails= GetEventSelectors=trail \
            GetInsightSelectors=trail GetTrail=trail GetTrailStatus=trail ListPublicKeys= ListTags=trail ListTrails= \
            LookupEvents= PutEventSelectors=trail PutInsightSelectors=trail RemoveTags=trail StartLogging=trail \
            StopLogging=trail UpdateTrail=trail CreateEventDataStore=eventdatastore StartQuery=eventdatastore",
        resource_types: &[("trail", "trail/"), ("eventdatastore", "eventdatastore/")],
        condition_keys: &[],
    },
    Service {
        prefix: "iam",
        name: "AWS IAM",
        actions: "AttachRolePolicy=role AttachUserPolicy=user CreateAccessKey=user CreatePolicy=policy \
            CreatePolicyVersion=policy CreateRole=role CreateServiceLinkedRole=role CreateUser=user \
            DeleteAccessKey=user DeletePolicy=policy DeleteRole=role DeleteRolePolicy=role DeleteUser=user \
            DeleteUserPolicy=user DetachRolePolicy=role DetachUserPolicy=user GetAccountAuthorizationDetails= \
            GetPolicy=policy GetPolicyVersion=policy GetRole=role GetRolePolicy=role GetUser=user \
            GetUserPolicy=user ListAccessKeys=user ListAttachedRolePolicies=role ListAttachedUserPolicies=user \
            ListPolicies= ListRolePolicies=role ListRoles= ListUserPolicies=user ListUsers= PassRole=role \
            PutRolePermissionsBoundary=role PutRolePolicy=role PutUserPermissionsBoundary=user PutUserPolicy=user \
            TagRole=role TagUser=user UntagRole=role UntagUser=user UpdateAssumeRolePolicy=role UpdateRole=role \
            CreateGroup=group AddUserToGroup=group GetGroup=group ListGroups= ChangePassword=user \
            CreateLoginProfile=user GetAccountSummary= ListAccountAliases= UpdateAccessKey=user",
        resource_types: &[
            ("role", "role/"),
            ("user", "user/"),
            ("policy", "policy/"),
            ("group", "group/"),
        ],
        condition_keys: &[
            "iam:associatedresourcearn",
            "iam:awsservicename",
            "iam:passedtoservice",
            "iam:permissionsboundary",
            "iam:policyarn",
            "iam:resourcetag/",
            "iam:organizationspolicyid",
        ],
    },
    Service {
        prefix: "sts",
        name: "AWS STS",
        actions: "AssumeRole=role AssumeRoleWithSAML=role AssumeRoleWithWebIdentity=role AssumeRoot= \
            DecodeAuthorizationMessage= GetAccessKeyInfo= GetCallerIdentity= GetFederationToken=user \
            GetServiceBearerToken= GetSessionToken= SetSourceIdentity=role,user TagSession=role,user",
        resource_types: &[("role", "role/"), ("user", "user/")],
        condition_keys: &[
            "sts:externalid",
            "sts:rolesessionname",
            "sts:sourceidentity",
            "sts:transitivetagkeys",
            "sts:awsserviceName",
            "sts:durationseconds",
        ],
    },
    Service {
        prefix: "logs",
        name: "Amazon CloudWatch Logs",
        actions: "AssociateKmsKey=log-group CreateLogDelivery= CreateLogGroup=log-group CreateLogStream=log-group \
            DeleteLogGroup=log-group DeleteLogStream=log-stream DeleteResourcePolicy= DescribeLogGroups= \
            DescribeLogStreams=log-group DescribeResourcePolicies= DisassociateKmsKey=log-group \
            FilterLogEvents=log-group GetLogEvents=log-stream PutLogEvents=log-stream PutResourcePolicy= \
            PutRetentionPolicy=log-group StartQuery=log-group TagLogGroup=log-group TagResource=log-group \
            UntagResource=log-group",
        resource_types: &[("log-stream", "log-group:"), ("log-group", "log-group:")],
        condition_keys: &[],
    },
];

/// Global condition keys (lower-case); trailing `/` marks a prefix.
pub static GLOBAL_CONDITION_KEYS: &[&str] = &[
    "aws:calledvia",
    "aws:calledviafirst",
    "aws:calledvialast",
    "aws:currenttime",
    "aws:epochtime",
    "aws:federatedprovider",
    "aws:multifactorauthage",
    "aws:multifactorauthpresent",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalisawsservice",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:principaltag/",
    "aws:principaltype",
    "aws:referer",
    "aws:requestedregion",
    "aws:requesttag/",
    "aws:resourceaccount",
    "aws:resourceorgid",
    "aws:resourceorgpaths",
    "aws:resourcetag/",
    "aws:securetransport",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceidentity",
    "aws:sourceip",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:tagkeys",
    "aws:tokenissuetime",
    "aws:useragent",
    "aws:userid",
    "aws:username",
    "aws:viaawsservice",
    "aws:vpcsourceip",
    "aws:ec2instancesourceprivateipv4",
    "aws:ec2instancesourcevpc",
    "aws:sourcevpcarn",
    "aws:vpceaccount",
    "aws:vpceorgid",
    "aws:vpceorgpaths",
    "aws:assumedroot",
    "aws:isMfaPresent",
];

/// Multivalued keys that need `ForAnyValue`/`ForAllValues`.
pub static MULTIVALUED_KEYS: &[&str] = &[
    "aws:calledvia",
    "aws:principalorgpaths",
    "aws:principalservicenameslist",
    "aws:tagkeys",
    "aws:resourceorgpaths",
    "aws:sourceorgpaths",
    "kms:encryptioncontextkeys",
    "kms:grantoperations",
    "kms:resourcealiases",
    "s3:requestobjecttagkeys",
];

/// Other well-known AWS service prefixes (not modeled in detail, but not typos).
pub static OTHER_PREFIXES: &[&str] = &[
    "access-analyzer",
    "acm",
    "apigateway",
    "application-autoscaling",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "bedrock",
    "cloudformation",
    "cloudfront",
    "cloudwatch",
    "codebuild",
    "codecommit",
    "codedeploy",
    "codepipeline",
    "cognito-identity",
    "cognito-idp",
    "config",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticfilesystem",
    "elasticmapreduce",
    "es",
    "events",
    "firehose",
    "glue",
    "guardduty",
    "health",
    "inspector2",
    "kinesis",
    "lambda",
    "macie2",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "sagemaker",
    "secretsmanager",
    "securityhub",
    "ses",
    "sns",
    "sqs",
    "states",
    "support",
    "tag",
    "trustedadvisor",
    "waf",
    "wafv2",
    "xray",
    "ebs",
    "ds",
    "sso",
    "identitystore",
    "ram",
    "servicequotas",
    "resource-groups",
    "account",
    "billing",
    "ce",
    "pricing",
    "aws-portal",
    "cloudshell",
    "ssmmessages",
    "ec2messages",
    "s3-object-lambda",
    "s3express",
    "kafka",
    "airflow",
    "appsync",
    "amplify",
    "elasticbeanstalk",
    "glacier",
    "storagegateway",
    "datasync",
    "transfer",
    "fsx",
    "mq",
    "scheduler",
    "pipes",
    "logs",
    "synthetics",
    "networkmanager",
    "ecr-public",
];

pub fn service(prefix: &str) -> Option<&'static Service> {
    SERVICES
        .iter()
        .find(|s| s.prefix.eq_ignore_ascii_case(prefix))
}

pub fn is_known_prefix(prefix: &str) -> bool {
    service(prefix).is_some()
        || OTHER_PREFIXES
            .iter()
            .any(|p| p.eq_ignore_ascii_case(prefix))
}

pub fn is_global_key(key_lower: &str) -> bool {
    // Compared ASCII-case-insensitively in place: the table is not all lower case
    // (`aws:isMfaPresent`), and this runs for every condition of every statement.
    GLOBAL_CONDITION_KEYS.iter().any(|k| {
        if k.ends_with('/') {
            key_lower.len() > k.len()
                && key_lower.as_bytes()[..k.len()].eq_ignore_ascii_case(k.as_bytes())
        } else {
            k.eq_ignore_ascii_case(key_lower)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_found_by_its_name_in_any_ascii_case() {
        for s in SERVICES {
            for a in s.action_table() {
                for name in [
                    a.name.to_string(),
                    a.name.to_ascii_lowercase(),
                    a.name.to_ascii_uppercase(),
                ] {
                    let found = s.action(&name).map(|(n, _)| n);
                    assert_eq!(found, Some(a.name), "{}:{name}", s.prefix);
                }
            }
            assert!(s.action("").is_none());
            assert!(
                s.action_table()
                    .iter()
                    .all(|a| a.name.len() <= MAX_ACTION_NAME)
            );
            assert!(s.action(&"a".repeat(MAX_ACTION_NAME + 1)).is_none());
            assert!(s.action("Nope").is_none());
        }
        let s3 = service("s3").unwrap();
        assert!(s3.action("GetObjec").is_none());
        assert!(s3.action("GetObjectt").is_none());
        // Only ASCII folds: a Kelvin sign is not a `k`.
        assert!(service("kms").unwrap().action("ListKeys").is_some());
        assert!(service("kms").unwrap().action("List\u{212A}eys").is_none());
    }

    #[test]
    fn tables_parse() {
        let kms = service("KMS").unwrap();
        assert_eq!(kms.action("decrypt").unwrap().1, vec!["key"]);
        assert!(kms.action("CreateKey").unwrap().1.is_empty());
        assert!(kms.has_condition_key("kms:encryptioncontext:aws:s3:arn"));
        assert!(!kms.has_condition_key("kms:encryptioncontext:"));
        assert!(is_global_key("aws:principaltag/team"));
        assert!(is_known_prefix("ec2"));
        assert!(is_global_key("aws:ismfapresent"));
        assert!(!is_global_key("aws:principaltag/"));
        for s in SERVICES {
            for (name, types) in s.actions() {
                assert!(!name.is_empty());
                for t in types {
                    assert!(
                        s.resource_types.iter().any(|(n, _)| *n == t),
                        "{}:{name} type {t}",
                        s.prefix
                    );
                }
            }
        }
    }
}
