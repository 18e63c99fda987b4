import { Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

// The nodes of a replication group, named as ElastiCache names them.

/**
 * The nodes of a whole-group metric: every node when the topology is known at synth. A node
 * count from a token would leave nodes out of the sum or the maximum, unseen.
 */
export function everyNodeId(scope: IConstruct, nodeIds: string[], topology: Topology): string[] {
  if (Token.isUnresolved(topology.shards) || Token.isUnresolved(topology.replicasPerShard)) {
    throw new Error(`[${scope.node.path}] takes shards or replicasPerShard from a token, so its nodes are not known at synth and a metric of the whole group would leave some out. `
      + 'Give numbers, or use the metrics of single nodes (cacheClusterId).');
  }
  return nodeIds;
}

/** The topology that decides the node ids. */
export interface Topology {
  readonly clusterMode: boolean;
  readonly shards: number;
  readonly replicasPerShard: number;
}

/**
 * The `CacheClusterId` of every node: `<id>-001` with cluster mode off,
 * `<id>-0001-001` with it on (ElastiCache user guide, "Finding node endpoints").
 */
export function nodeIdsOf(groupId: string, topology: Topology): string[] {
  const nodesPerShard = topology.replicasPerShard + 1;
  if (Token.isUnresolved(nodesPerShard) || Token.isUnresolved(topology.shards)) {
    return [`${groupId}-001`];
  }
  const ids: string[] = [];
  if (!topology.clusterMode) {
    for (let n = 1; n <= nodesPerShard; n++) ids.push(`${groupId}-${pad(n, 3)}`);
    return ids;
  }
  for (let s = 1; s <= topology.shards; s++) {
    for (let n = 1; n <= nodesPerShard; n++) ids.push(`${groupId}-${pad(s, 4)}-${pad(n, 3)}`);
  }
  return ids;
}

/** Construct id fragments of the nodes, in the order of `nodeIdsOf`: `Node001`, `Node0001002`. */
export function nodeIdFragments(topology: Topology): string[] {
  const nodesPerShard = topology.replicasPerShard + 1;
  if (Token.isUnresolved(nodesPerShard) || Token.isUnresolved(topology.shards)) return ['Node001'];
  const fragments: string[] = [];
  for (let s = 1; s <= (topology.clusterMode ? topology.shards : 1); s++) {
    for (let n = 1; n <= nodesPerShard; n++) fragments.push(`Node${topology.clusterMode ? pad(s, 4) : ''}${pad(n, 3)}`);
  }
  return fragments;
}


function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}
