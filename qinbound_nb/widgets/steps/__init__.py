"""The wizard's steps, one small class per step of the XM Discover job setup."""
