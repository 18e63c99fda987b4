import { Aws, CfnParameter } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { SecretRotation, SecureRedisCluster, SecureRedisClusterProps } from '../src';
import { evaluate } from './names';
import { buildInFixtureVpc, expectInvalidConfiguration, PropsFactory, resolveProps } from './support';

const REPLICATION_GROUP = 'AWS::ElastiCache::ReplicationGroup';

function build(props: PropsFactory<SecureRedisClusterProps> = {}) {
  return buildInFixtureVpc(SecureRedisCluster, 'Cache', (stack, vpc) => ({ secretRotation: SecretRotation.disabled(), ...resolveProps(props, stack, vpc) }));
}

describe('snapshotArnsToRestore', () => {
  test('becomes SnapshotArns, in order, with no SnapshotName', () => {
    const arns = ['arn:aws:s3:::orders-seed/backups/orders-0001.rdb', 'arn:aws:s3:::orders-seed/backups/orders-0002.rdb'];
    Template.fromStack(build({ snapshotArnsToRestore: arns, shards: 2 }).stack).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotArns: arns,
      SnapshotName: Match.absent(),
      NumNodeGroups: 2,
    });
  });

  test('is absent by default', () => {
    Template.fromStack(build().stack).hasResourceProperties(REPLICATION_GROUP, { SnapshotArns: Match.absent() });
  });

  test.each([
    ['another partition and a dotted bucket', 'arn:aws-cn:s3:::seed.example.cn/orders.rdb'],
    ['GovCloud', 'arn:aws-us-gov:s3:::orders-seed/orders.rdb'],
    ['a legacy bucket name (uppercase, underscore) as in the API reference', 'arn:aws:s3:::My_Bucket/snapshot1.rdb'],
    ['a key in folders', 'arn:aws:s3:::orders-seed/2026/12/orders backup.rdb'],
  ])('accepts %s', (_, arn) => {
    Template.fromStack(build({ snapshotArnsToRestore: [arn] }).stack).hasResourceProperties(REPLICATION_GROUP, { SnapshotArns: [arn] });
  });

  test('passes tokens through: an ARN built from a bucket, and a list parameter', () => {
    const { stack } = build((s) => {
      const bucket = s3.Bucket.fromBucketName(s, 'Seed', 'orders-seed');
      return { snapshotArnsToRestore: [`arn:${Aws.PARTITION}:s3:::${bucket.bucketName}/orders.rdb`] };
    });
    Template.fromStack(stack).hasResourceProperties(REPLICATION_GROUP, {
      SnapshotArns: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::orders-seed/orders.rdb']] }],
    });

    const fromParameter = build((s) => ({ snapshotArnsToRestore: new CfnParameter(s, 'Seeds', { type: 'CommaDelimitedList' }).valueAsList }));
    Template.fromStack(fromParameter.stack).hasResourceProperties(REPLICATION_GROUP, { SnapshotArns: { Ref: 'Seeds' } });
  });

  interface Row {
    readonly case: string;
    readonly props: PropsFactory<SecureRedisClusterProps>;
    readonly message: RegExp;
  }
  const rows: Row[] = [
    {
      case: 'together with snapshotName',
      props: { snapshotName: 'orders-nightly', snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb'] },
      message: /snapshotArnsToRestore and snapshotName "orders-nightly" are both set\. Restore from a backup that ElastiCache holds \(snapshotName\) or seed from \.rdb files in Amazon S3 \(snapshotArnsToRestore\), not both\./,
    },
    { case: 'an empty list', props: { snapshotArnsToRestore: [] }, message: /snapshotArnsToRestore is an empty list\. Give the ARN of at least one \.rdb file, or leave snapshotArnsToRestore unset/ },
    {
      case: 'a bucket path instead of an ARN',
      props: { snapshotArnsToRestore: ['orders-seed/orders.rdb'] },
      message: /snapshotArnsToRestore entry "orders-seed\/orders\.rdb" is not the ARN of an \.rdb file in Amazon S3\. Give arn:<partition>:s3:::<bucket>\/<key>\.rdb, e\.g\. "arn:aws:s3:::orders-seed\/backups\/orders\.rdb"/,
    },
    { case: 'an s3:// URL', props: { snapshotArnsToRestore: ['s3://orders-seed/orders.rdb'] }, message: /entry "s3:\/\/orders-seed\/orders\.rdb" is not the ARN of an \.rdb file/ },
    { case: 'the ARN of a bucket', props: { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed'] }, message: /entry "arn:aws:s3:::orders-seed" is not the ARN/ },
    { case: 'an object that is not .rdb', props: { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb.gz'] }, message: /entry "arn:aws:s3:::orders-seed\/orders\.rdb\.gz" is not the ARN/ },
    { case: 'an ElastiCache snapshot ARN', props: { snapshotArnsToRestore: ['arn:aws:elasticache:us-east-1:123456789012:snapshot:orders'] }, message: /entry "arn:aws:elasticache:us-east-1:123456789012:snapshot:orders" is not the ARN/ },
    { case: 'a Region in an S3 ARN', props: { snapshotArnsToRestore: ['arn:aws:s3:us-east-1::orders-seed/orders.rdb'] }, message: /entry "arn:aws:s3:us-east-1::orders-seed\/orders\.rdb" is not the ARN/ },
    { case: 'a bucket name of two characters', props: { snapshotArnsToRestore: ['arn:aws:s3:::ab/orders.rdb'] }, message: /entry "arn:aws:s3:::ab\/orders\.rdb" is not the ARN/ },
    { case: 'a space in the bucket name', props: { snapshotArnsToRestore: ['arn:aws:s3:::orders seed/orders.rdb'] }, message: /entry "arn:aws:s3:::orders seed\/orders\.rdb" is not the ARN/ },
    { case: 'a comma in the object name', props: { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/a,b.rdb'] }, message: /entry "arn:aws:s3:::orders-seed\/a,b\.rdb" is not the ARN .*cannot contain a comma/ },
    { case: 'a trailing newline', props: { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb\n'] }, message: /entry "arn:aws:s3:::orders-seed\/orders\.rdb\\n" is not the ARN/ },
    {
      case: 'the same file twice',
      props: { snapshotArnsToRestore: ['arn:aws:s3:::orders-seed/orders.rdb', 'arn:aws:s3:::orders-seed/orders.rdb'] },
      message: /snapshotArnsToRestore lists "arn:aws:s3:::orders-seed\/orders\.rdb" more than once\. List each \.rdb file once\./,
    },
  ];
  test.each(rows)('refuses $case', ({ props, message }) => {
    expectInvalidConfiguration('TestStack/Cache', message, () => build(props));
  });

  // SnapshotArns is create-only: every change must come with a new replication group id, or
  // CloudFormation could not replace the group.
  test('the derived group id changes with the files, and stays with the same files', () => {
    const id = (arns: string[]) => {
      const built = build({ snapshotArnsToRestore: arns });
      return evaluate(built.stack, built.cache.replicationGroupId);
    };
    const one = id(['arn:aws:s3:::orders-seed/orders.rdb']);

    expect(id(['arn:aws:s3:::orders-seed/orders.rdb'])).toBe(one);
    expect(id(['arn:aws:s3:::orders-seed/orders-2.rdb'])).not.toBe(one);
    expect(id(['arn:aws:s3:::orders-seed/orders.rdb', 'arn:aws:s3:::orders-seed/orders-2.rdb'])).not.toBe(one);
  });
});
