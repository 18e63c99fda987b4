import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';

/**
 * A parameter group of the engine's family. CloudFormation names it: parameter group names
 * cannot contain dots, and a generated name never collides.
 */
export function createParameterGroup(scope: Construct, family: string, properties: Record<string, string>): elasticache.CfnParameterGroup {
  return new elasticache.CfnParameterGroup(scope, 'Parameters', {
    cacheParameterGroupFamily: family,
    description: `Parameters of ${scope.node.path}`,
    properties,
  });
}
