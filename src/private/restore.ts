import { Token } from 'aws-cdk-lib';
import { isLiteral, PropsValidator, quote } from './validation';

/**
 * An `.rdb` object in Amazon S3, as `SnapshotArns` takes it: `arn:<partition>:s3:::<bucket>/<key>.rdb`
 * (ElastiCache user guide, "Seeding a new self-designed cluster with an externally created
 * backup"). Partitions all start with `aws`; bucket names are letters, digits, dots, hyphens and
 * underscores, 3 to 255 characters (legacy buckets of us-east-1 may have uppercase letters and
 * underscores: Amazon S3 user guide, "Bucket naming rules"; the API reference's own example is
 * `my_bucket`); the object name cannot contain a comma (CreateReplicationGroup API reference,
 * SnapshotArns).
 */
const RDB_OBJECT_ARN = /^arn:aws(-[a-z]+)*:s3:::[A-Za-z0-9._-]{3,255}\/[^,]*[^,/]\.rdb$/;

/**
 * The rules of `snapshotArnsToRestore`. Entries that are tokens (or contain one) are passed
 * through: ElastiCache checks them when it creates the group.
 */
export function validateSnapshotArns(v: PropsValidator, arns: string[] | undefined, snapshotName: string | undefined): void {
  if (arns === undefined) return;
  // CreateReplicationGroup restores from one source: a backup of ElastiCache or seed files.
  v.check(snapshotName !== undefined,
    `snapshotArnsToRestore and snapshotName ${quote(snapshotName)} are both set. Restore from a backup that ElastiCache holds (snapshotName) or seed from .rdb files in Amazon S3 (snapshotArnsToRestore), not both.`);
  if (Token.isUnresolved(arns)) return;
  v.check(arns.length === 0, 'snapshotArnsToRestore is an empty list. Give the ARN of at least one .rdb file, or leave snapshotArnsToRestore unset for an empty cache.');
  for (const arn of arns) {
    if (!isLiteral(arn)) continue;
    v.check(!RDB_OBJECT_ARN.test(arn),
      `snapshotArnsToRestore entry ${quote(arn)} is not the ARN of an .rdb file in Amazon S3. Give arn:<partition>:s3:::<bucket>/<key>.rdb, `
      + 'e.g. "arn:aws:s3:::orders-seed/backups/orders.rdb" (the object name cannot contain a comma).');
  }
  const literals = arns.filter(isLiteral);
  const duplicates = literals.filter((a, i) => literals.indexOf(a) !== i);
  v.check(duplicates.length > 0, `snapshotArnsToRestore lists ${[...new Set(duplicates)].map(quote).join(', ')} more than once. List each .rdb file once.`);
}
