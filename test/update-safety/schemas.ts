import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ResourceSchema } from './classify';

/** The extract of the CloudFormation registry schemas that the update-safety table rests on. */
export interface SchemaExtract {
  readonly source: string;
  readonly cfnLintVersion: string;
  readonly region: string;
  readonly types: Record<string, { createOnlyProperties: string[]; primaryIdentifier: string[]; readOnlyProperties: string[] }>;
}

export const EXTRACT_FILE = path.join(__dirname, 'cfn-schemas.json');

/**
 * Types whose physical name is not their primary identifier (which CloudFormation generates):
 * the name you may give them, per the schema's properties.
 */
const NAME_PROPERTIES: Record<string, string> = {
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
};

export function readExtract(): SchemaExtract {
  return JSON.parse(fs.readFileSync(EXTRACT_FILE, 'utf8'));
}

/** The schemas of the extract, as the classifier reads them. */
export function schemasOf(extract: SchemaExtract): Record<string, ResourceSchema> {
  const top = (pointer: string) => pointer.replace(/^\/properties\//, '').split('/')[0];
  return Object.fromEntries(Object.entries(extract.types).map(([type, s]) => {
    const writable = s.primaryIdentifier.length === 1 && !s.readOnlyProperties.includes(s.primaryIdentifier[0]);
    const primary = writable ? top(s.primaryIdentifier[0]) : undefined;
    return [type, { createOnly: [...new Set(s.createOnlyProperties.map(top))], nameProperty: NAME_PROPERTIES[type] ?? primary }];
  }));
}

/** The same extract, read from the installed cfn-lint; undefined when cfn-lint is not installed. */
export function extractFromCfnLint(types: string[], region = 'us-east-1'): SchemaExtract | undefined {
  const script = [
    'import json, sys',
    'import cfnlint.version',
    'from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as m',
    'types = json.loads(sys.argv[1])',
    'out = {}',
    'for t in types:',
    '    s = m.get_resource_schema(sys.argv[2], t).schema',
    "    out[t] = {k: sorted(s.get(k) or []) for k in ['createOnlyProperties', 'primaryIdentifier', 'readOnlyProperties']}",
    "print(json.dumps({'cfnLintVersion': cfnlint.version.__version__, 'types': out}))",
  ].join('\n');
  const run = spawnSync('python3', ['-c', script, JSON.stringify([...types].sort()), region], { encoding: 'utf8' });
  if (run.error || (run.status !== 0 && /No module named 'cfnlint'/.test(run.stderr))) return undefined;
  if (run.status !== 0) throw new Error(`reading the schemas from cfn-lint failed: ${run.stderr}`);
  const parsed = JSON.parse(run.stdout);
  return {
    source: `CloudFormation registry schemas as shipped in cfn-lint (cfnlint.schema.PROVIDER_SCHEMA_MANAGER, ${region})`,
    cfnLintVersion: parsed.cfnLintVersion,
    region,
    types: parsed.types,
  };
}
