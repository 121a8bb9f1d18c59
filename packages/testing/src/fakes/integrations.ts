// Fakes and fixtures of the integrations domain (owned by its pool's tests).
export {};
