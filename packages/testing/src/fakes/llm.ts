// Fakes and fixtures of the llm domain (owned by its pool's tests).
export {};
