// Fakes and fixtures of the analytics domain (owned by its pool's tests).
export {};
