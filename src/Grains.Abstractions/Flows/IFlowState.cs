namespace CaaS.Grains.Abstractions.Flows;

/// <summary>What the flow shape reads and writes in every saga's persisted state.</summary>
public interface IFlowState<TStatus> where TStatus : struct, Enum
{
    TStatus Status { get; set; }

    List<TransitionRecord> History { get; }

    FlowJournal Journal { get; }
}
