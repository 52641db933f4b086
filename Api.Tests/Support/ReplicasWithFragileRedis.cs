
namespace Strongroom.Api.Tests.Support;

/// <summary>A pair of replicas of its own: this test kills their Redis.</summary>
public sealed class ReplicasWithFragileRedis : TwoReplicas;
