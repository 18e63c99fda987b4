import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cw_actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { createKey } from './keys';

const TOPIC_ID = 'AlarmTopic';

/**
 * The topic that a construct's alarms notify when the user gave none: one per construct, created
 * on first use, encrypted with KMS and reachable over TLS only (AwsSolutions-SNS2/SNS3, HIPAA and
 * NIST `SNSEncryptedKMS`).
 *
 * It is encrypted with `key` when the construct can add to that key's policy, else with a key of
 * its own. CloudWatch publishes alarm notifications to an encrypted topic only if the key policy
 * lets `cloudwatch.amazonaws.com` use the key (SNS developer guide, "Enable compatibility between
 * event sources from AWS services and encrypted topics"); the statement is limited to the SNS
 * topics of this account and Region by the encryption context that SNS sets (`aws:sns:topicArn`).
 */
export function defaultAlarmTopic(scope: Construct, key?: kms.IKey): sns.ITopic {
  const existing = scope.node.tryFindChild(TOPIC_ID);
  if (existing) return existing as sns.Topic;
  const stack = Stack.of(scope);
  const statement = new iam.PolicyStatement({
    sid: 'CloudWatchAlarmsPublishToEncryptedTopics',
    principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({ service: 'sns', resource: '*', arnFormat: ArnFormat.NO_RESOURCE_NAME }),
      },
    },
  });
  let topicKey = key;
  if (!key || !key.addToResourcePolicy(statement).statementAdded) {
    topicKey = createKey(scope, `${TOPIC_ID}Key`, { description: `Encrypts the alarm notifications of ${scope.node.path}` });
    topicKey.addToResourcePolicy(statement);
  }
  return new sns.Topic(scope, TOPIC_ID, {
    displayName: `Alarms of ${scope.node.path}`.slice(0, 100),
    masterKey: topicKey,
    enforceSSL: true,
  });
}

/** Sends the alarm's ALARM and OK notifications to the topic. */
export function notify(alarm: cloudwatch.Alarm, topic: sns.ITopic): void {
  const action = new cw_actions.SnsAction(topic);
  alarm.addAlarmAction(action);
  alarm.addOkAction(action);
}
