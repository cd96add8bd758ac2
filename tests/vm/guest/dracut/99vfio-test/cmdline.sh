#!/bin/sh
/usr/bin/vfio-test-preload
