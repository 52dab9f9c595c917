/// Every store protocol one engine implements. The composition root opens one engine and hands each service the
/// protocols it needs; nothing outside an engine's module names the engine.
public protocol AppStore: AccountStore, PersonaStore, PostStore, BattleStore, ProfileStore, FeedStore, NotificationStore,
    DigestStore, EventStore, LLMCacheStore, JobQueue, SchemaStore, OperationsStore
{}
