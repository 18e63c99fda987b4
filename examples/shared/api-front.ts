/**
 * The HTTP front of the example apps: a regional REST API in front of one Lambda function, for
 * service-to-service callers that sign their requests (SigV4, `AWS_IAM` authorization), built to
 * pass the five cdk-nag packs (AwsSolutions, HIPAA Security, NIST 800-53 R4 and R5, PCI DSS 3.2.1).
 * Each example's `app.ts` gives it its function, its routes and its choice about the stage cache.
 * Copy this file with an example that uses it (examples/README.md).
 */
import { ArnFormat, Duration, Names, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** The HTTP methods a route can have. */
export type ApiHttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** One method of a route. */
export interface ApiMethodOptions {
  /**
   * The JSON schema that API Gateway checks `application/json` request bodies against before the
   * function sees them (a 400 response otherwise).
   *
   * @default - the body is not checked
   */
  readonly body?: apigateway.JsonSchema;
}

/** A resource path and its methods, all integrated with the function as a Lambda proxy. */
export interface ApiRoute {
  /**
   * The resource path, with `{name}` for path parameters: `/products/{id}`. API Gateway refuses a
   * request without every parameter before it reaches the function.
   */
  readonly path: string;
  /** The methods of the path: `{ GET: {}, PUT: { body: schema } }`. */
  readonly methods: Partial<Record<ApiHttpMethod, ApiMethodOptions>>;
}

/** An encrypted stage cache for the `GET` methods. */
export interface ApiStageCacheEnabled {
  /**
   * How long a `GET` response is served from the cache, per route and path parameters. Every
   * caller allowed to call the route gets the cached response: only for responses that do not
   * depend on the caller, and that may be this old.
   */
  readonly ttl: Duration;
  /**
   * The cache size in GB: '0.5', '1.6', '6.1', '13.5', '28.4', '58.2', '118' or '237'.
   *
   * @default '0.5'
   */
  readonly sizeGb?: string;
}

/** No stage cache, with the reason the cdk-nag `APIGWCacheEnabledAndEncrypted` rules are acknowledged. */
export interface ApiStageCacheOmitted {
  /** Why the API has no stage cache: becomes the acknowledgement's reason. */
  readonly omittedBecause: string;
}

/** The stage cache, or why there is none. */
export type ApiStageCache = ApiStageCacheEnabled | ApiStageCacheOmitted;

/** Steady-state and burst request rates of the stage (API Gateway token bucket). */
export interface ApiThrottling {
  /** Requests per second. */
  readonly rateLimit: number;
  /** Requests at once above the rate. */
  readonly burstLimit: number;
}

/** Properties of an `ApiFront`. */
export interface ApiFrontProps {
  /** The function behind every route. */
  readonly handler: lambda.IFunction;
  /** What the API does, for its description and the web ACL's. */
  readonly description: string;
  /** The routes. */
  readonly routes: ApiRoute[];
  /** The key that encrypts the access, execution and WAF log groups. */
  readonly logKey: kms.IKey;
  /**
   * The stage cache: `{ ttl }` for an encrypted cache of `GET` responses, or
   * `{ omittedBecause }` for none. HIPAA Security, NIST 800-53 R4 and R5 and PCI DSS
   * `APIGWCacheEnabledAndEncrypted` want one; a cache in front of data that callers change
   * serves the old responses until the TTL, so the choice is the app's.
   */
  readonly stageCache: ApiStageCache;
  /** @default 'v1' */
  readonly stageName?: string;
  /**
   * Caps the requests that reach the function; keep it within what the function's reserved
   * concurrency and its backends can serve.
   *
   * @default { rateLimit: 100, burstLimit: 50 }
   */
  readonly throttling?: ApiThrottling;
  /**
   * Requests per 5 minutes that one client IP address may send before the web ACL blocks it for a
   * while. Service callers behind one NAT gateway share an address: size it for all of them.
   *
   * @default 3000
   */
  readonly requestsPerIpPer5Minutes?: number;
  /**
   * Whether to create the account's API Gateway CloudWatch Logs role (`AWS::ApiGateway::Account`,
   * one per account and region, kept when the stack is deleted). Access and execution logging
   * fail without one; turn it off where the account already has it.
   *
   * @default true
   */
  readonly accountCloudWatchRole?: boolean;
}

/** The AWS managed rule groups of the web ACL, in order. Their WCUs add up to 1125 of the 1500 included. */
const MANAGED_RULE_GROUPS = [
  // Addresses that Amazon threat intelligence reports for bots and reconnaissance.
  'AWSManagedRulesAmazonIpReputationList',
  // OWASP-style generic protections (oversized bodies, traversal, XSS, SSRF to metadata).
  'AWSManagedRulesCommonRuleSet',
  // Request patterns of known exploits (Log4j JNDI lookups, Java deserialization).
  'AWSManagedRulesKnownBadInputsRuleSet',
  // SQL injection patterns in the path, query string and body, for functions that pass request
  // data on to a database.
  'AWSManagedRulesSQLiRuleSet',
];

/**
 * A regional REST API with Lambda proxy integrations, for callers that sign with SigV4:
 * - `AWS_IAM` authorization on every method (AwsSolutions-APIG4); callers need
 *   `execute-api:Invoke`, see `grantInvoke()`,
 * - a request validator, path parameters required and bodies checked against their schema
 *   (AwsSolutions-APIG2),
 * - JSON access logs (AwsSolutions-APIG1) and execution logs at `ERROR` (AwsSolutions-APIG6,
 *   `APIGWExecutionLoggingEnabled`), both into log groups encrypted with `logKey` and kept a year,
 * - X-Ray tracing (`APIGWXrayEnabled`), stage throttling,
 * - a client certificate on the stage (`APIGWSSLEnabled`),
 * - a WAFv2 web ACL with AWS managed rule groups and a rate limit per client address
 *   (AwsSolutions-APIG3, `APIGWAssociatedWithWAF`), logging to an encrypted log group with the
 *   signature headers redacted (`WAFv2LoggingEnabled`),
 * - the stage cache that `stageCache` asks for.
 *
 * Acknowledged here, with the reasons: AwsSolutions-COG4 on the methods (IAM, not Cognito,
 * authorization), AwsSolutions-IAM5 on the account's CloudWatch Logs policy (`Resource: *`), and,
 * with `{ omittedBecause }`, the four `APIGWCacheEnabledAndEncrypted` rules on the stage.
 */
export class ApiFront extends Construct {
  /** The REST API. */
  public readonly api: apigateway.RestApi;
  /** The stage that callers call and the web ACL protects. */
  public readonly stage: apigateway.Stage;
  /** The web ACL associated with the stage. */
  public readonly webAcl: wafv2.CfnWebACL;
  /** One access log event per request, as JSON. */
  public readonly accessLogs: logs.LogGroup;
  /** API Gateway's execution logs of the stage (errors only). */
  public readonly executionLogs: logs.LogGroup;
  /** The requests that the web ACL evaluated. */
  public readonly wafLogs: logs.LogGroup;
  private readonly methods: { method: ApiHttpMethod; path: string }[] = [];

  constructor(scope: Construct, id: string, props: ApiFrontProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const stageName = props.stageName ?? 'v1';
    const throttling = props.throttling ?? { rateLimit: 100, burstLimit: 50 };
    const cache = 'ttl' in props.stageCache ? props.stageCache : undefined;

    this.accessLogs = this.logGroup('AccessLogs', props.logKey);

    // HIPAA Security, NIST 800-53 R5 and PCI DSS `APIGWSSLEnabled` (and Security Hub
    // APIGateway.2) want a client certificate on the stage. API Gateway presents it to HTTP
    // backends only: it invokes the Lambda function through the Lambda API instead, as the
    // function's resource policy (the permissions LambdaIntegration adds) allows. The certificate
    // is valid for a year; nothing here breaks when it expires, but rotate it before pointing a
    // route at an HTTP backend that checks it.
    const clientCertificate = new apigateway.CfnClientCertificate(this, 'ClientCertificate', {
      description: `Backend client certificate of ${props.description}`,
    });

    // With a cache, only GET responses are cached: a cached response to a write would be returned
    // instead of performing the write.
    const methodOptions: Record<string, apigateway.MethodDeploymentOptions> = {};
    for (const route of cache ? props.routes : []) {
      for (const method of Object.keys(route.methods).filter((m) => m !== 'GET')) {
        methodOptions[`${route.path}/${method}`] = { cachingEnabled: false };
      }
    }
    this.api = new apigateway.RestApi(this, 'Api', {
      description: props.description,
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // The account's role, if this construct creates it, is createAccountCloudWatchRole's.
      cloudWatchRole: false,
      defaultMethodOptions: { authorizationType: apigateway.AuthorizationType.IAM },
      deployOptions: {
        stageName,
        description: `${props.description}, stage ${stageName}`,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        // Errors only, and never request or response bodies (they can hold personal data): the
        // access log already has one line per request.
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
        throttlingRateLimit: throttling.rateLimit,
        throttlingBurstLimit: throttling.burstLimit,
        clientCertificateId: clientCertificate.ref,
        cacheClusterEnabled: cache !== undefined,
        cacheClusterSize: cache ? cache.sizeGb ?? '0.5' : undefined,
        cachingEnabled: cache !== undefined,
        cacheDataEncrypted: cache !== undefined,
        cacheTtl: cache?.ttl,
        methodOptions,
      },
    });
    this.stage = this.api.deploymentStage;

    const validator = this.api.addRequestValidator('Validator', {
      requestValidatorName: 'parameters-and-body',
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    for (const route of props.routes) {
      const resource = this.api.root.resourceForPath(route.path);
      const parameters = pathParameters(route.path).map((name) => `method.request.path.${name}`);
      const integration = new apigateway.LambdaIntegration(props.handler, {
        proxy: true,
        // The stage cache keys GET responses by these parameters: without them every id would
        // share one cached response.
        cacheKeyParameters: parameters,
      });
      for (const [method, options] of Object.entries(route.methods) as [ApiHttpMethod, ApiMethodOptions][]) {
        const body = options.body && this.api.addModel(`${modelName(route.path)}${method}Body`, {
          contentType: 'application/json',
          schema: options.body,
        });
        const added = resource.addMethod(method, integration, {
          requestValidator: validator,
          requestParameters: Object.fromEntries(parameters.map((p) => [p, true])),
          requestModels: body ? { 'application/json': body } : undefined,
        });
        Validations.of(added).acknowledge({
          id: 'AwsSolutions-COG4',
          reason: 'The API authorizes with AWS_IAM: its callers are services that sign their requests with SigV4 using '
            + 'their IAM roles, and IAM policies (execute-api:Invoke) decide which routes each may call. There are no end '
            + 'users and so no Cognito user pool whose tokens a Cognito authorizer could check.',
        });
        this.methods.push({ method, path: route.path });
      }
    }

    // API Gateway writes the execution logs to this group, named by the API and stage, and would
    // otherwise create it unencrypted and never expiring (API Gateway developer guide, "Set up
    // CloudWatch logging for REST APIs"). It has to exist before the stage logs anything.
    this.executionLogs = this.logGroup('ExecutionLogs', props.logKey, `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`);
    this.stage.node.addDependency(this.executionLogs);

    if (props.accountCloudWatchRole ?? true) {
      this.api.node.addDependency(this.createAccountCloudWatchRole());
    }

    if (!cache) {
      const reason = (props.stageCache as ApiStageCacheOmitted).omittedBecause;
      for (const pack of ['HIPAA.Security', 'NIST.800.53.R4', 'NIST.800.53.R5', 'PCI.DSS.321']) {
        Validations.of(this.stage).acknowledge({ id: `${pack}-APIGWCacheEnabledAndEncrypted`, reason });
      }
    }

    this.webAcl = this.createWebAcl(props);
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF only logs to a group whose name starts with aws-waf-logs- (AWS WAF developer guide,
    // "Sending web ACL traffic logs to an Amazon CloudWatch Logs log group").
    this.wafLogs = this.logGroup('WafLogs', props.logKey,
      `aws-waf-logs-${Names.uniqueResourceName(this, { maxLength: 120, separator: '-' })}`);
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      // The log group's ARN without the `:*` suffix of its Arn attribute, which WAF refuses.
      logDestinationConfigs: [stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: this.wafLogs.logGroupName,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })],
      // The SigV4 signature and session token of each caller stay out of the logs.
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'x-amz-security-token' } },
      ],
    });
  }

  /** The stage's URL, ending with `/`. */
  public get url(): string {
    return this.api.url;
  }

  /**
   * Lets `grantee` call every route of the stage (`execute-api:Invoke`).
   */
  public grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:Invoke'],
      resourceArns: this.methods.map(({ method, path }) => this.invokeArn(method, path)),
    });
  }

  /**
   * The ARN that `execute-api:Invoke` names for one method of a route on this stage: each path
   * parameter becomes `*`.
   */
  public invokeArn(method: ApiHttpMethod | '*', path: string): string {
    return this.api.arnForExecuteApi(method, path.replace(/\{[^}]+\}/g, '*'), this.stage.stageName);
  }

  /**
   * The account's API Gateway CloudWatch Logs role (API Gateway developer guide, "Set up
   * CloudWatch logging for REST APIs"): the permissions of the AWS managed
   * AmazonAPIGatewayPushToCloudWatchLogs in a customer managed policy (AwsSolutions-IAM4,
   * `IAMNoInlinePolicy`). Kept when the stack is deleted, like the account setting: the other
   * APIs of the account log with it too.
   */
  private createAccountCloudWatchRole(): apigateway.CfnAccount {
    const role = new iam.Role(this, 'AccountCloudWatchRole', {
      // The trust policy that API Gateway documents for this role, without conditions: API
      // Gateway assumes it for the account, not on behalf of one API.
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write the access and execution logs of the REST APIs of this account and region',
    });
    const policy = new iam.ManagedPolicy(this, 'AccountCloudWatchLogs', {
      description: 'Lets API Gateway write the access and execution logs of the REST APIs of this account and region',
      roles: [role],
      statements: [new iam.PolicyStatement({
        actions: [
          'logs:CreateLogGroup',
          'logs:CreateLogStream',
          'logs:DescribeLogGroups',
          'logs:DescribeLogStreams',
          'logs:PutLogEvents',
          'logs:GetLogEvents',
          'logs:FilterLogEvents',
        ],
        resources: ['*'],
      })],
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'API Gateway has one CloudWatch Logs role per account and region (AWS::ApiGateway::Account) and writes the '
        + 'access and execution logs of every REST API there with it, into log groups that it names per API and stage and '
        + 'creates when they are missing; logs:DescribeLogGroups has no resource scope. These are the actions of the AWS '
        + 'managed AmazonAPIGatewayPushToCloudWatchLogs, which has the same Resource "*", in a customer managed policy.',
    });
    const account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    account.node.addDependency(policy);
    for (const resource of [role, policy, account]) resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return account;
  }

  private logGroup(id: string, key: kms.IKey, logGroupName?: string): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      logGroupName,
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private createWebAcl(props: ApiFrontProps): wafv2.CfnWebACL {
    const metricPrefix = Names.uniqueResourceName(this, { maxLength: 80 });
    const visibility = (name: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${metricPrefix}${name}`,
      sampledRequestsEnabled: true,
    });
    const rules: wafv2.CfnWebACL.RuleProperty[] = MANAGED_RULE_GROUPS.map((name, index) => ({
      name,
      priority: index,
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
      overrideAction: { none: {} },
      visibilityConfig: visibility(name),
    }));
    rules.push({
      name: 'RequestsPerIp',
      priority: rules.length,
      statement: {
        rateBasedStatement: {
          limit: props.requestsPerIpPer5Minutes ?? 3000,
          aggregateKeyType: 'IP',
          evaluationWindowSec: 300,
        },
      },
      action: { block: {} },
      visibilityConfig: visibility('RequestsPerIp'),
    });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      // WAF accepts letters, digits, spaces and + = : # @ / - , . in descriptions.
      description: `Protects ${props.description}`.replace(/[^A-Za-z0-9+=:#@/\-,.\s]/g, ' ').slice(0, 256).trim(),
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules,
      visibilityConfig: visibility('WebAcl'),
    });
  }
}

/** The names of the `{name}` parameters of a resource path. */
function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1]);
}

/** A model name from a resource path: `/products/{id}` becomes `ProductsId`. */
function modelName(path: string): string {
  return path.split(/[^A-Za-z0-9]+/).filter(Boolean).map((part) => part[0].toUpperCase() + part.slice(1)).join('');
}

/**
 * One JSON line per request: who called (IAM principal and account), what, the result, the WAF's
 * decision, latencies, and the error if any, with the ids to find the request in the execution
 * logs and X-Ray.
 */
function accessLogFormat(): apigateway.AccessLogFormat {
  const f = apigateway.AccessLogField;
  const fields: [string, string][] = [
    ['requestId', f.contextRequestId()],
    ['extendedRequestId', f.contextExtendedRequestId()],
    ['requestTime', f.contextRequestTime()],
    ['httpMethod', f.contextHttpMethod()],
    ['resourcePath', f.contextResourcePath()],
    ['path', f.contextPath()],
    ['status', f.contextStatus()],
    ['responseLength', f.contextResponseLength()],
    ['responseLatency', f.contextResponseLatency()],
    ['integrationLatency', f.contextIntegrationLatency()],
    ['integrationStatus', f.contextIntegrationStatus()],
    ['caller', f.contextIdentityCaller()],
    ['userArn', f.contextIdentityUserArn()],
    ['accountId', f.contextIdentityAccountId()],
    ['sourceIp', f.contextIdentitySourceIp()],
    ['userAgent', f.contextIdentityUserAgent()],
    ['wafResponseCode', f.contextWafResponseCode()],
    ['errorType', f.contextErrorResponseType()],
    ['xrayTraceId', f.contextXrayTraceId()],
  ];
  // $context.error.messageString is the message already quoted and escaped for JSON, so it goes
  // in without quotes of its own (API Gateway developer guide, "Variables for access logging").
  const quoted = fields.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value)}`);
  return apigateway.AccessLogFormat.custom(`{${[...quoted, `"errorMessage":${f.contextErrorMessageString()}`].join(',')}}`);
}
