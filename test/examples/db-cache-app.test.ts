import { App, CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { createApp, DATABASE_PORT, DbCacheStack } from '../../examples/db-cache/app';
import { ApiFront } from '../../examples/shared/api-front';
import { acknowledgements, allPacks, findings } from '../policy';

// The db-cache example as `npm run synth` builds it: the function's contract with the handler,
// who may reach the cache and the database, the database settings, the API front, and what the
// five cdk-nag packs say.

let app: App;
let stack: DbCacheStack;
let template: Template;

beforeAll(() => {
  app = createApp();
  stack = app.node.findChild('DbCache') as DbCacheStack;
  template = Template.fromStack(stack);
});

const logicalId = (construct: CfnResource | undefined): string => stack.getLogicalId(construct!);
const defaultChild = (scope: { node: { defaultChild?: unknown } }): CfnResource => scope.node.defaultChild as CfnResource;

/** `source security group -> port` of every ingress rule of a security group, inline or separate. */
function ingressOf(groupLogicalId: string): string[] {
  const group = template.toJSON().Resources[groupLogicalId];
  const inline = (group.Properties.SecurityGroupIngress ?? []).map((rule: any) => ({ ...rule, GroupId: undefined }));
  const separate = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress'))
    .map((r: any) => r.Properties)
    .filter((rule: any) => rule.GroupId?.['Fn::GetAtt']?.[0] === groupLogicalId);
  return [...inline, ...separate].map((rule: any) => {
    const source = rule.SourceSecurityGroupId?.['Fn::GetAtt']?.[0] ?? rule.CidrIp ?? rule.CidrIpv6 ?? rule.SourcePrefixListId;
    return `${source} -> ${rule.IpProtocol}:${rule.FromPort}-${rule.ToPort}`;
  }).sort();
}

/** The security group a function runs with (each function here has exactly one). */
function securityGroupOfFunction(functionLogicalId: string): string {
  const groups = template.toJSON().Resources[functionLogicalId].Properties.VpcConfig.SecurityGroupIds;
  expect(groups).toHaveLength(1);
  return groups[0]['Fn::GetAtt'][0];
}

describe('the API function', () => {
  test('has exactly the environment of the handler contract, pointing at this stack\'s cache and database', () => {
    const cacheGroup = logicalId(stack.cache.replicationGroup);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs24.x',
      Environment: {
        Variables: Match.objectEquals({
          CACHE_HOST: { 'Fn::GetAtt': [cacheGroup, 'ConfigurationEndPoint.Address'] },
          CACHE_PORT: '6380',
          CACHE_CLUSTER_MODE: 'true',
          CACHE_SECRET_ARN: stack.resolve(stack.cache.authTokenSecret!.secretArn),
          DB_SECRET_ARN: stack.resolve(stack.database.secret!.secretArn),
          CACHE_TTL_SECONDS: '300',
          NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
      VpcConfig: { SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcAppSubnet') }]) },
    });
    // The secret the function reads is the one attached to the instance: it holds host, port and dbname.
    template.hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      TargetType: 'AWS::RDS::DBInstance',
      TargetId: { Ref: logicalId(defaultChild(stack.database)) },
    });
    expect(stack.resolve(stack.database.secret!.secretArn)).toEqual({ Ref: expect.stringMatching(/^DatabaseSecretAttachment/) });
  });

  test('may read the two secrets and nothing else of Secrets Manager', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: logicalId(defaultChild(stack.api.role)) }] },
    }));
    const secretStatements = policies.flatMap((p: any) => p.Properties.PolicyDocument.Statement)
      .filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((s: any) => s.Resource).sort((a: any, b: any) => JSON.stringify(a).localeCompare(JSON.stringify(b))))
      .toEqual([stack.resolve(stack.cache.authTokenSecret!.secretArn), stack.resolve(stack.database.secret!.secretArn)]
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    for (const statement of secretStatements) {
      expect([statement.Action].flat().sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    }
  });
});

describe('network', () => {
  test('the cache admits the API function and its own rotation function, on the cache port only', () => {
    const api = securityGroupOfFunction(logicalId(defaultChild(stack.api.function)));
    const rotation = securityGroupOfFunction(logicalId(defaultChild(stack.cache.node.findChild('AuthTokenRotation').node.findChild('Function'))));
    expect(ingressOf(logicalId(defaultChild(stack.cache.securityGroup)))).toEqual([
      `${api} -> tcp:6380-6380`,
      `${rotation} -> tcp:6380-6380`,
    ].sort());
  });

  test(`the database admits the API function and its password rotation function, on ${DATABASE_PORT} only`, () => {
    const api = securityGroupOfFunction(logicalId(defaultChild(stack.api.function)));
    const [database] = stack.database.connections.securityGroups;
    // The rotation function lives in the nested stack of the AWS rotation application; the
    // application receives the security group that it runs with.
    const applications = Object.values(template.findResources('AWS::Serverless::Application'));
    expect(applications).toHaveLength(1);
    const rotation = (applications[0] as any).Properties.Parameters.vpcSecurityGroupIds['Fn::GetAtt'][0];
    expect(ingressOf(logicalId(defaultChild(database)))).toEqual([
      `${api} -> tcp:${DATABASE_PORT}-${DATABASE_PORT}`,
      `${rotation} -> tcp:${DATABASE_PORT}-${DATABASE_PORT}`,
    ].sort());
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Port: String(DATABASE_PORT),
      VPCSecurityGroups: [{ 'Fn::GetAtt': [logicalId(defaultChild(database)), 'GroupId'] }],
    });
  });

  test('no subnet routes to the internet, and the function\'s only ways out are the cache, the database and Secrets Manager', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    const api = securityGroupOfFunction(logicalId(defaultChild(stack.api.function)));
    expect(template.toJSON().Resources[api].Properties.SecurityGroupEgress).toBeUndefined();
    const egress = Object.values(template.findResources('AWS::EC2::SecurityGroupEgress'))
      .map((r: any) => r.Properties)
      .filter((rule: any) => rule.GroupId['Fn::GetAtt'][0] === api)
      .map((rule: any) => `${rule.DestinationSecurityGroupId['Fn::GetAtt'][0]} -> ${rule.FromPort}`)
      .sort();
    const secretsManager = stack.node.findChild('Vpc').node.findChild('SecretsManager') as ec2.InterfaceVpcEndpoint;
    expect(egress).toEqual([
      `${logicalId(defaultChild(stack.cache.securityGroup))} -> 6380`,
      `${logicalId(defaultChild(stack.database.connections.securityGroups[0]))} -> ${DATABASE_PORT}`,
      `${logicalId(defaultChild(secretsManager.connections.securityGroups[0]))} -> 443`,
    ].sort());
  });
});

describe('the database', () => {
  test('is PostgreSQL on Graviton, Multi-AZ, encrypted with its own key, with deletion protection and backups', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      EngineVersion: '18',
      DBInstanceClass: Match.stringLikeRegexp('^db\\.[a-z]+\\d+g\\.'),
      MultiAZ: true,
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalId(stack.node.findChild('DatabaseKey').node.defaultChild as CfnResource), 'Arn'] },
      DeletionProtection: true,
      PubliclyAccessible: false,
      BackupRetentionPeriod: 15,
      EnableIAMDatabaseAuthentication: true,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      MonitoringInterval: 60,
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
    template.hasResource('AWS::RDS::DBInstance', { DeletionPolicy: 'Snapshot', UpdateReplacePolicy: 'Snapshot' });
  });

  test('refuses connections without TLS (rds.force_ssl in its own parameter group)', () => {
    const parameters = template.findResources('AWS::RDS::DBParameterGroup', {
      Properties: { Family: 'postgres18', Parameters: { 'rds.force_ssl': '1' } },
    });
    expect(Object.keys(parameters)).toHaveLength(1);
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBParameterGroupName: { Ref: Object.keys(parameters)[0] } });
  });

  test('exports its logs into encrypted log groups that exist before it', () => {
    const key = stack.resolve((stack.node.findChild('LogKey') as kms.Key).keyArn);
    for (const type of ['postgresql', 'upgrade']) {
      const groups = template.findResources('AWS::Logs::LogGroup', {
        Properties: { LogGroupName: `/aws/rds/instance/dbcache-products/${type}`, KmsKeyId: key, RetentionInDays: 365 },
      });
      expect(Object.keys(groups)).toHaveLength(1);
      template.hasResource('AWS::RDS::DBInstance', { DependsOn: Match.arrayWith([Object.keys(groups)[0]]) });
    }
    template.hasResourceProperties('AWS::RDS::DBInstance', { DBInstanceIdentifier: 'dbcache-products' });
  });

  test('rotates both secrets every 30 days, the database password through the Secrets Manager endpoint', () => {
    template.resourceCountIs('AWS::SecretsManager::RotationSchedule', 2);
    for (const secret of [stack.cache.authTokenSecret!, stack.database.secret!]) {
      template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
        SecretId: stack.resolve(secret.secretArn),
        RotationRules: { ScheduleExpression: 'rate(30 days)' },
      });
    }
    const endpoint = stack.node.findChild('Vpc').node.findChild('SecretsManager') as ec2.InterfaceVpcEndpoint;
    template.hasResourceProperties('AWS::Serverless::Application', {
      Parameters: {
        endpoint: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(defaultChild(endpoint)) }])] },
        kmsKeyArn: stack.resolve((stack.node.findChild('DatabaseKey') as kms.Key).keyArn),
      },
    });
  });
});

describe('the API front', () => {
  test('every method authorizes with IAM, validates its request, and is a Lambda proxy to the function', () => {
    const methods = template.findResources('AWS::ApiGateway::Method');
    expect(Object.values(methods).map((m: any) => m.Properties.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'PUT']);
    const validator = Object.keys(template.findResources('AWS::ApiGateway::RequestValidator', {
      Properties: { ValidateRequestBody: true, ValidateRequestParameters: true },
    }));
    expect(validator).toHaveLength(1);
    for (const method of Object.values(methods) as any[]) {
      expect(method.Properties).toMatchObject({
        AuthorizationType: 'AWS_IAM',
        RequestValidatorId: { Ref: validator[0] },
        RequestParameters: { 'method.request.path.id': true },
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      });
      expect(JSON.stringify(method.Properties.Integration.Uri)).toContain(logicalId(defaultChild(stack.api.function)));
    }
    const put = Object.values(methods).find((m: any) => m.Properties.HttpMethod === 'PUT') as any;
    const model = template.toJSON().Resources[put.Properties.RequestModels['application/json'].Ref];
    expect(model.Properties.Schema).toMatchObject({ type: 'object', required: ['name', 'priceCents'], additionalProperties: false });
  });

  test('the web ACL with the AWS managed rule groups protects the stage, and logs', () => {
    const acl = logicalId(stack.front.webAcl);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [acl, 'Arn'] },
      ResourceArn: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(defaultChild(stack.front.api)) }, '/stages/', { Ref: logicalId(defaultChild(stack.front.stage)) }])] },
    });
    const rules = template.toJSON().Resources[acl].Properties.Rules;
    expect(rules.filter((r: any) => r.Statement.ManagedRuleGroupStatement).map((r: any) => r.Statement.ManagedRuleGroupStatement.Name))
      .toEqual(expect.arrayContaining(['AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet']));
    expect(rules.find((r: any) => r.Statement.RateBasedStatement)).toMatchObject({ Action: { Block: {} } });
    template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
      ResourceArn: { 'Fn::GetAtt': [acl, 'Arn'] },
      RedactedFields: Match.arrayWith([{ SingleHeader: { Name: 'authorization' } }]),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'), KmsKeyId: Match.anyValue() });
  });

  test('the stage logs access and errors into encrypted groups, traces, throttles and has no cache', () => {
    const logKey = stack.resolve((stack.node.findChild('LogKey') as kms.Key).keyArn);
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: { 'Fn::GetAtt': [logicalId(defaultChild(stack.front.accessLogs)), 'Arn'] }, Format: Match.stringLikeRegexp('"userArn":"\\$context.identity.userArn"') },
      TracingEnabled: true,
      ClientCertificateId: Match.anyValue(),
      CacheClusterEnabled: false,
      MethodSettings: [Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 200, CachingEnabled: false })],
    });
    for (const group of [stack.front.accessLogs, stack.front.executionLogs, stack.front.wafLogs]) {
      expect(template.toJSON().Resources[logicalId(defaultChild(group))].Properties).toMatchObject({ KmsKeyId: logKey, RetentionInDays: 365 });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: logicalId(defaultChild(stack.front.api)) }, '/v1']] },
    });
    template.hasResourceProperties('AWS::ApiGateway::Account', {
      CloudWatchRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FrontAccountCloudWatchRole'), 'Arn'] },
    });
  });
});

describe('AwsSolutions, HIPAA Security, NIST 800-53 R4/R5 and PCI DSS 3.2.1', () => {
  test('find nothing', () => {
    expect(findings(app)).toEqual([]);
  });

  test('with only these acknowledgements, all on the example\'s own resources, each with a reason', () => {
    // Validations records a construct's acknowledgements again with each new one: count each once.
    expect([...new Set(acknowledgements(app))].sort()).toEqual([
      // The library's own, from its table (src/private/acknowledgements.ts): the example gives the
      // rotation its network-interface policy, so the rotation policy holds no wildcard.
      'DbCache/Cache/AuthTokenRotation/Function/Resource: HIPAA.Security-LambdaConcurrency',
      'DbCache/Cache/AuthTokenRotation/Function/Resource: HIPAA.Security-LambdaDLQ',
      'DbCache/Cache/AuthTokenRotation/Function/Resource: NIST.800.53.R5-LambdaConcurrency',
      'DbCache/Cache/AuthTokenRotation/Function/Resource: NIST.800.53.R5-LambdaDLQ',
      'DbCache/Database: HIPAA.Security-RDSInBackupPlan',
      'DbCache/Database: NIST.800.53.R4-RDSInBackupPlan',
      'DbCache/Database: NIST.800.53.R5-RDSInBackupPlan',
      'DbCache/DatabaseMonitoring: AwsSolutions-IAM5[Resource::arn:aws:logs:us-east-1:123456789012:log-group:RDSOSMetrics:log-stream:*]',
      'DbCache/Front/AccountCloudWatchLogs: AwsSolutions-IAM5[Resource::*]',
      'DbCache/Front/Api/Default/products/{id}/DELETE: AwsSolutions-COG4',
      'DbCache/Front/Api/Default/products/{id}/GET: AwsSolutions-COG4',
      'DbCache/Front/Api/Default/products/{id}/PUT: AwsSolutions-COG4',
      'DbCache/Front/Api/DeploymentStage.v1: HIPAA.Security-APIGWCacheEnabledAndEncrypted',
      'DbCache/Front/Api/DeploymentStage.v1: NIST.800.53.R4-APIGWCacheEnabledAndEncrypted',
      'DbCache/Front/Api/DeploymentStage.v1: NIST.800.53.R5-APIGWCacheEnabledAndEncrypted',
      'DbCache/Front/Api/DeploymentStage.v1: PCI.DSS.321-APIGWCacheEnabledAndEncrypted',
      'DbCache/LambdaNetworkInterfaces: AwsSolutions-IAM5[Resource::*]',
    ].sort());
    // On the cache, only the library's table entries, on its rotation function.
    expect(acknowledgements(stack.cache).filter((ack) => !ack.startsWith('DbCache/Cache/AuthTokenRotation/Function/Resource: '))).toEqual([]);
    const reasons = stack.node.findAll().flatMap((c) => c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.values(m.data as Record<string, string>)));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) expect(reason.length).toBeGreaterThan(150);
  });
});

describe('ApiFront with a stage cache', () => {
  function front(): { stack: Stack; front: ApiFront } {
    const scope = new Stack(new App(), 'Front', { env: { account: '123456789012', region: 'us-east-1' } });
    const handler = new lambda.Function(scope, 'Handler', {
      runtime: lambda.Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "" });'),
    });
    const api = new ApiFront(scope, 'Front', {
      handler,
      description: 'Catalog API',
      routes: [{ path: '/items/{id}', methods: { GET: {}, PUT: { body: { type: apigateway.JsonSchemaType.OBJECT } } } }],
      logKey: new kms.Key(scope, 'LogKey', { enableKeyRotation: true }),
      stageCache: { ttl: Duration.seconds(30) },
    });
    return { stack: scope, front: api };
  }

  test('caches GET responses per path parameter, encrypted, and never the responses to writes', () => {
    const { stack: scope } = front();
    const t = Template.fromStack(scope);
    t.hasResourceProperties('AWS::ApiGateway::Stage', {
      CacheClusterEnabled: true,
      CacheClusterSize: '0.5',
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', CachingEnabled: true, CacheDataEncrypted: true, CacheTtlInSeconds: 30 }),
        Match.objectLike({ HttpMethod: 'PUT', ResourcePath: '/~1items~1{id}', CachingEnabled: false }),
      ]),
    });
    t.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'GET',
      Integration: { CacheKeyParameters: ['method.request.path.id'] },
    });
  });

  test('passes the packs\' API Gateway rules without acknowledging the cache rules', () => {
    const { stack: scope } = front();
    const apiFindings = allPacks().flatMap((pack) => pack.validateScope(scope).violations)
      .filter((v) => /APIG|WAF|COG4/.test(v.ruleName))
      .map((v) => v.ruleName);
    expect(apiFindings).toEqual([]);
    expect(acknowledgements(scope).filter((a) => a.includes('APIGWCacheEnabledAndEncrypted'))).toEqual([]);
  });

  test('grantInvoke allows execute-api:Invoke on each method of the stage and nothing else', () => {
    const { stack: scope, front: api } = front();
    const caller = new iam.Role(scope, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    api.grantInvoke(caller);
    const statements = Template.fromStack(scope).toJSON().Resources[scope.getLogicalId(caller.node.findChild('DefaultPolicy').node.defaultChild as CfnResource)]
      .Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toBe('execute-api:Invoke');
    expect(statements[0].Resource.map((arn: unknown) => JSON.stringify(arn))).toEqual([
      expect.stringMatching(/\/",\{"Ref":"FrontApiDeploymentStage[^"]+"\},"\/GET\/items\/\*"\]/),
      expect.stringMatching(/\/",\{"Ref":"FrontApiDeploymentStage[^"]+"\},"\/PUT\/items\/\*"\]/),
    ]);
  });
});
